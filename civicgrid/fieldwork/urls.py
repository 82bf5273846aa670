from django.urls import path

from . import views

app_name = "fieldwork"

urlpatterns = [
    path("", views.my_day, name="my_day"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.offline, name="offline"),
    path("households/<int:household_id>/", views.household, name="household"),
    path("households/<int:household_id>/visit/", views.visit_create, name="household_visit"),
    path("organisations/<int:organisation_id>/", views.organisation, name="organisation"),
    path("organisations/<int:organisation_id>/visit/", views.visit_create, name="organisation_visit"),
    path("policy/", views.policy, name="policy"),
    path("policy/import/", views.policy_import, name="policy_import"),
    path("policy/<int:item_id>/", views.item, name="item"),
    path("policy/<int:item_id>/consult/", views.consult, name="consult"),
    path("studies/", views.studies, name="studies"),
    path("studies/new/", views.study_new, name="study_new"),
    path("studies/<int:study_id>/", views.study, name="study"),
    path("studies/<int:study_id>/comment/", views.study_comment, name="study_comment"),
    path("studies/<int:study_id>/pin/", views.study_pin, name="study_pin"),
    path("worklog/", views.worklog, name="worklog"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<int:programme_id>/", views.programme, name="programme"),
]
