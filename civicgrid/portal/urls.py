from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("points/", views.points, name="points"),
    path("points/rewards/<int:reward_id>/redeem/", views.redeem, name="redeem"),
    path("staff/verifications/", views.verifications, name="verifications"),
    path("staff/verifications/<int:verification_id>/", views.verification_decide, name="verification_decide"),
    path("staff/redemptions/", views.redemptions, name="redemptions"),
    path("staff/redemptions/<int:redemption_id>/", views.hand_over, name="hand_over"),
]
