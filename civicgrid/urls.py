from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from civicgrid.accounts import views as account_views
from civicgrid.accounts.forms import AdminLoginForm
from civicgrid.api import api
from civicgrid.core import media

admin.site.site_header = "智慧云服务管理平台 · 管理后台"
admin.site.site_title = "CivicGrid"
admin.site.login_form = AdminLoginForm

# An outage met outside a view (a middleware reading the session or the account) answers 503 too.
handler500 = "civicgrid.core.middleware.server_error"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("portal/", account_views.portal_home, name="portal_home"),
    path("", include("civicgrid.core.urls")),
    path("accounts/", include("civicgrid.accounts.urls")),
    path("org/", include("civicgrid.org.urls")),
    path("audit/", include("civicgrid.audit.urls")),
    path("registry/", include("civicgrid.registry.urls")),
    path("cases/", include("civicgrid.cases.urls")),
    path("inbox/", include("civicgrid.notifications.urls")),
    path("fieldwork/", include("civicgrid.fieldwork.urls")),
    path("portal/resources/", include("civicgrid.bookings.urls")),
    path("portal/activities/", include("civicgrid.activities.urls")),
    path("portal/groups/", include("civicgrid.socialorgs.urls")),
    path("portal/polls/", include("civicgrid.polls.urls")),
    path("portal/market/", include("civicgrid.market.urls")),
    path("portal/", include("civicgrid.portal.urls")),
    path("scoring/", include("civicgrid.scoring.urls")),
    path("cockpit/", include("civicgrid.cockpit.urls")),
    path("integrations/", include("civicgrid.integrations.urls")),
    path("open311/v2/", include("civicgrid.integrations.open311.urls")),
    # Single sign-on: the OpenID Connect provider (/o/), the upstream identity provider's log-in (/sso/).
    path("o/", include("civicgrid.integrations.sso.provider_urls")),
    path("sso/", include("civicgrid.integrations.sso.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/v1/", api.urls),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve, name="media"),
]

if settings.BENCH_ENDPOINTS:
    from civicgrid.core.bench_api import bare_json

    urlpatterns.append(path("bench/json", login_not_required(bare_json), name="bench_json"))
