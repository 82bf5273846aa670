from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("resident-login/", views.resident_login, name="resident_login"),
    path("logout/", views.logout, name="logout"),
    path("otp/", views.second_factor, name="otp"),
    path("password/", views.password_change, name="password_change"),
]
