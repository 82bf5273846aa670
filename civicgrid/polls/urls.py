from django.urls import path

from . import views

app_name = "polls"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:poll_id>/", views.poll, name="poll"),
    path("<int:poll_id>/vote/", views.vote, name="vote"),
    path("surveys/<int:survey_id>/", views.survey, name="survey"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.poll_new, name="poll_new"),
    path("staff/<int:poll_id>/", views.poll_manage, name="poll_manage"),
    path("staff/<int:poll_id>/edit/", views.poll_edit, name="poll_edit"),
    path("staff/<int:poll_id>/publish/", views.poll_publish, name="poll_publish"),
    path("staff/<int:poll_id>/close/", views.poll_close, name="poll_close"),
    path("staff/surveys/new/", views.survey_new, name="survey_new"),
    path("staff/surveys/<int:survey_id>/", views.survey_manage, name="survey_manage"),
    path("staff/surveys/<int:survey_id>/edit/", views.survey_edit, name="survey_edit"),
    path("staff/surveys/<int:survey_id>/publish/", views.survey_publish, name="survey_publish"),
    path("staff/surveys/<int:survey_id>/close/", views.survey_close, name="survey_close"),
    path("staff/surveys/<int:survey_id>/export/", views.survey_export, name="survey_export"),
    path("staff/surveys/<int:survey_id>/questions/", views.question_add, name="question_add"),
    path(
        "staff/surveys/<int:survey_id>/questions/<int:question_id>/",
        views.question_edit,
        name="question_edit",
    ),
    path(
        "staff/surveys/<int:survey_id>/questions/<int:question_id>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path(
        "staff/surveys/<int:survey_id>/questions/<int:question_id>/move/",
        views.question_move,
        name="question_move",
    ),
]
