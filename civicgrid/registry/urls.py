from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("coverage/", views.coverage, name="coverage"),
    path("grids/<int:grid_id>/", views.grid, name="grid"),
    path("grids/<int:grid_id>/export/", views.export, name="export"),
    path("buildings/<int:building_id>/", views.building, name="building"),
    path("rooms/<int:room_id>/", views.room, name="room"),
    path("households/<int:household_id>/", views.household, name="household"),
    path("households/<int:household_id>/room/", views.household_room, name="household_room"),
    path("households/<int:household_id>/people/", views.household_add_person, name="household_add_person"),
    path(
        "households/<int:household_id>/vehicles/", views.household_add_vehicle, name="household_add_vehicle"
    ),
    path("households/<int:household_id>/verify/", views.household_verify, name="household_verify"),
    path("households/<int:household_id>/history/", views.household_history, name="household_history"),
    path("vehicles/<int:vehicle_id>/remove/", views.vehicle_remove, name="vehicle_remove"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_id>/move-out/", views.person_move_out, name="person_move_out"),
    path("people/<int:person_id>/tags/", views.person_tag, name="person_tag"),
    path("people/<int:person_id>/tags/<int:membership_id>/remove/", views.person_untag, name="person_untag"),
    path("people/<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("imports/", views.import_list, name="imports"),
    path("imports/sources/<int:source_id>/", views.import_source, name="import_source"),
    path("imports/<int:batch_id>/", views.import_batch, name="import_batch"),
    path("conflicts/", views.conflicts, name="conflicts"),
    path("conflicts/<int:conflict_id>/resolve/", views.conflict_resolve, name="conflict_resolve"),
]
