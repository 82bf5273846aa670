from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "civicgrid.bookings"
    label = "bookings"
    verbose_name = "资源共享"
