"""The one JSON API of the platform (OpenAPI at /api/v1/openapi.json)."""

from django.conf import settings
from ninja import NinjaAPI
from ninja.security import django_auth

from civicgrid.activities.api import router as activities_router
from civicgrid.bookings.api import router as bookings_router
from civicgrid.cases.api import router as cases_router
from civicgrid.cockpit.api import router as cockpit_router
from civicgrid.core.api import ORJSONRenderer, install_error_handlers
from civicgrid.fieldwork.api import router as fieldwork_router
from civicgrid.integrations.auth import ApiKeyAuth
from civicgrid.market.api import router as market_router
from civicgrid.org.api import me_router
from civicgrid.org.api import router as org_router
from civicgrid.polls.api import router as polls_router
from civicgrid.portal.api import router as portal_router
from civicgrid.registry.api import router as registry_router
from civicgrid.scoring.api import router as scoring_router
from civicgrid.socialorgs.api import router as socialorgs_router

api = NinjaAPI(
    title="CivicGrid API",
    version="1",
    description="智慧云服务管理平台接口 · CivicGrid platform API. 所有列表均按调用者的组织范围过滤。",
    urls_namespace="api",
    # The browser's session, or a departmental system's key (X-API-Key, made at /integrations/keys/).
    auth=[django_auth, ApiKeyAuth()],
    docs_url="/docs",  # Swagger UI from the ninja app's own static files: no CDN
    renderer=ORJSONRenderer(),
)
install_error_handlers(api)
api.add_router("/me", me_router, tags=["账号 accounts"])
api.add_router("/org", org_router, tags=["组织 org"])
api.add_router("/registry", registry_router, tags=["登记 registry"])
api.add_router("/cases", cases_router, tags=["问题 cases"])
api.add_router("/fieldwork", fieldwork_router, tags=["网格微管站 fieldwork"])
api.add_router("/bookings", bookings_router, tags=["资源共享 bookings"])
api.add_router("/activities", activities_router, tags=["社区活动 activities"])
api.add_router("/socialorgs", socialorgs_router, tags=["社会组织 social organisations"])
api.add_router("/polls", polls_router, tags=["投票与调研 polls and surveys"])
api.add_router("/market", market_router, tags=["跳蚤市场与微商圈 market"])
api.add_router("/portal", portal_router, tags=["淘社区 resident portal"])
api.add_router("/scoring", scoring_router, tags=["绩效考核 scoring"])
api.add_router("/cockpit", cockpit_router, tags=["领导驾驶舱 cockpit"])

if settings.BENCH_ENDPOINTS:
    from civicgrid.core.bench_api import router as bench_router

    api.add_router("/bench", bench_router, tags=["bench"])
