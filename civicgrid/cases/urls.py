from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("report/", views.report, name="report"),
    path("nearby/", views.nearby, name="nearby"),
    path("mine/", views.mine, name="mine"),
    path("warnings/", views.warnings, name="warnings"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/claim/", views.claim, name="claim"),
    path("<int:case_id>/resume/", views.resume, name="resume"),
    path("<int:case_id>/rate/", views.rate, name="rate"),
    path("<int:case_id>/steps/<int:index>/", views.tick_step, name="tick_step"),
    path("<int:case_id>/extensions/<int:request_id>/", views.decide_extension, name="decide_extension"),
    path("<int:case_id>/<slug:action>/", views.act, name="act"),
]
