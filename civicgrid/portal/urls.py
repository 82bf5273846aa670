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
    path("staff/organisations/", views.organisations, name="organisations"),
    path("staff/organisations/<int:application_id>/", views.organisation_decide, name="organisation_decide"),
    path("staff/most-active/", views.most_active, name="most_active"),
    path("staff/redemptions/<int:redemption_id>/", views.hand_over, name="hand_over"),
    path("signup/", views.signup, name="signup"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("suggestions/<int:case_id>/", views.suggestion, name="suggestion"),
    path("staff/suggestions/", views.staff_suggestions, name="staff_suggestions"),
    path("staff/suggestions/<int:case_id>/", views.staff_suggestion, name="staff_suggestion"),
    path("public/", views.public, name="public"),
    path("news/", views.news, name="news"),
    path("news/new/", views.news_new, name="news_new"),
    path("news/<int:news_id>/", views.news_item, name="news_item"),
    path("hide/<str:kind>/<int:item_id>/", views.hide, name="hide"),
]
