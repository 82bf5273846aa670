"""Open311 GeoReport v2: each resource in the spec's two formats, chosen by the suffix (.json / .xml)."""

from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"

urlpatterns = [
    path("services.<open311_format:format>", views.services, name="services"),
    path("services/<slug:service_code>.<open311_format:format>", views.service, name="service"),
    path("requests.<open311_format:format>", views.requests, name="requests"),
    path("requests/<str:service_request_id>.<open311_format:format>", views.request_detail, name="request"),
    path("tokens/<str:token>.<open311_format:format>", views.token, name="token"),
]
