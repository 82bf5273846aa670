"""Sign-in through the upstream government identity provider (answers 404 until it is configured)."""

from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("upstream/login/", views.UpstreamLoginView.as_view(), name="upstream_login"),
    path("upstream/callback/", views.UpstreamCallbackView.as_view(), name="upstream_callback"),
]
