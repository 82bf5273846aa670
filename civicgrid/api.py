"""The one JSON API of the platform (OpenAPI at /api/v1/openapi.json)."""

from django.conf import settings
from ninja import NinjaAPI
from ninja.security import django_auth

from civicgrid.cases.api import router as cases_router
from civicgrid.core.api import ORJSONRenderer, install_error_handlers
from civicgrid.fieldwork.api import router as fieldwork_router
from civicgrid.org.api import me_router
from civicgrid.org.api import router as org_router
from civicgrid.registry.api import router as registry_router

api = NinjaAPI(
    title="CivicGrid API",
    version="1",
    description="智慧云服务管理平台接口 · CivicGrid platform API. 所有列表均按调用者的组织范围过滤。",
    urls_namespace="api",
    auth=django_auth,
    docs_url=None,
    renderer=ORJSONRenderer(),
)
install_error_handlers(api)
api.add_router("/me", me_router, tags=["账号 accounts"])
api.add_router("/org", org_router, tags=["组织 org"])
api.add_router("/registry", registry_router, tags=["登记 registry"])
api.add_router("/cases", cases_router, tags=["问题 cases"])
api.add_router("/fieldwork", fieldwork_router, tags=["网格微管站 fieldwork"])

if settings.BENCH_ENDPOINTS:
    from civicgrid.core.bench_api import router as bench_router

    api.add_router("/bench", bench_router, tags=["bench"])
