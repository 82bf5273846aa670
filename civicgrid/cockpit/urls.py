from django.urls import path

from . import views

app_name = "cockpit"

urlpatterns = [
    path("", views.home, name="home"),
    path("boundaries/", views.boundaries, name="boundaries"),
    path("cases/", views.cases, name="cases"),
    path("cases/export/", views.export, name="export"),
]
