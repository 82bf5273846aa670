from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("", views.browse, name="list"),
    path("<int:resource_id>/", views.detail, name="detail"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.resource_new, name="resource_new"),
    path("manage/<int:resource_id>/", views.resource_edit, name="resource_edit"),
    path("manage/<int:resource_id>/calendar/", views.calendar, name="calendar"),
    path("manage/bookings/<int:booking_id>/decide/", views.decide, name="decide"),
    path("manage/bookings/<int:booking_id>/withdraw/", views.withdraw, name="withdraw"),
]
