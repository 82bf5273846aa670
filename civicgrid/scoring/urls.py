from django.urls import path

from . import views

app_name = "scoring"

urlpatterns = [
    path("", views.rankings, name="rankings"),
    path("export/", views.export, name="export"),
]
