from django.urls import path

from . import views

app_name = "market"

urlpatterns = [
    path("", views.listings, name="listings"),
    path("listings/new/", views.listing_new, name="listing_new"),
    path("listings/<int:listing_id>/edit/", views.listing_edit, name="listing_edit"),
    path("listings/<int:listing_id>/", views.listing, name="listing"),
    path("listings/<int:listing_id>/sold/", views.listing_sold, name="listing_sold"),
    path("listings/<int:listing_id>/report/", views.listing_report, name="listing_report"),
    path("listings/<int:listing_id>/contact/", views.listing_contact, name="listing_contact"),
    path("mine/", views.my_listings, name="mine"),
    path("merchants/", views.merchants, name="merchants"),
    path("merchants/<int:merchant_id>/", views.merchant, name="merchant"),
    path("merchants/<int:merchant_id>/active/", views.merchant_active, name="merchant_active"),
    path("my-merchant/", views.my_merchant, name="my_merchant"),
    path("staff/", views.moderation, name="moderation"),
    path("staff/listings/<int:listing_id>/", views.listing_moderate, name="listing_moderate"),
    path("staff/merchants/", views.staff_merchants, name="staff_merchants"),
    path("staff/merchants/new/", views.staff_merchant_new, name="staff_merchant_new"),
    path("staff/merchants/<int:merchant_id>/edit/", views.staff_merchant_edit, name="staff_merchant_edit"),
    path("staff/merchants/<int:merchant_id>/decide/", views.merchant_decide, name="merchant_decide"),
]
