from django.urls import path

from . import views

app_name = "socialorgs"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("mine/", views.mine, name="mine"),
    path("register/", views.register, name="register"),
    path("<int:org_id>/", views.detail, name="detail"),
    path("<int:org_id>/join/", views.join, name="join"),
    path("<int:org_id>/leave/", views.leave, name="leave"),
    path("manage/<int:org_id>/", views.manage, name="manage"),
    path("manage/<int:org_id>/edit/", views.edit, name="edit"),
    path("manage/<int:org_id>/requests/<int:request_id>/", views.decide, name="decide"),
    path("manage/<int:org_id>/members/<int:request_id>/remove/", views.member_remove, name="member_remove"),
    path("manage/<int:org_id>/photos/", views.photos_add, name="photos_add"),
    path("manage/<int:org_id>/photos/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"),
    path("staff/", views.staff_orgs, name="staff_orgs"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:org_id>/", views.staff_org, name="staff_org"),
    path("staff/<int:org_id>/decide/", views.staff_decide, name="staff_decide"),
    path("staff/<int:org_id>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:org_id>/activate/", views.staff_activate, name="staff_activate"),
    path("staff/<int:org_id>/admin/", views.staff_set_admin, name="staff_set_admin"),
]
