from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("mine/", views.mine, name="mine"),
    path("sharing/", views.sharing, name="sharing"),
    path("new/", views.create, name="create"),
    path("<int:activity_id>/", views.detail, name="detail"),
    path("<int:activity_id>/signup/", views.signup, name="signup"),
    path("<int:activity_id>/signup/cancel/", views.signup_cancel, name="signup_cancel"),
    path("<int:activity_id>/edit/", views.edit, name="edit"),
    path("<int:activity_id>/cancel/", views.cancel, name="cancel"),
    path("<int:activity_id>/attendance/", views.attendance, name="attendance"),
    path("<int:activity_id>/photos/", views.photos, name="photos"),
    path("<int:activity_id>/hide/", views.hide, name="hide"),
    path("staff/", views.manage, name="manage"),
    path("staff/<int:activity_id>/decide/", views.decide, name="decide"),
    path("staff/photos/<int:photo_id>/", views.photo_decide, name="photo_decide"),
    path("staff/demand/", views.demand, name="demand"),
]
