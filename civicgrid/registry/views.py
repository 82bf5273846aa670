"""Registry pages: grid → building → entrance → room → household, search, reveal, import, coverage."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.core.errors import DomainError
from civicgrid.core.forms import add_service_errors
from civicgrid.core.shortcuts import found_or_404
from civicgrid.org.decorators import require_action

from . import exports, history, imports, selectors, services
from .forms import (
    ExportForm,
    MoveOutForm,
    PersonEditForm,
    PersonForm,
    RemoveForm,
    RoomForm,
    TagForm,
    UploadForm,
    VehicleForm,
)
from .models import GroupMembership, ImportBatch, ImportSource, Vehicle


@require_action("registry.view")
def home(request):
    grids = list(selectors.grids_of(request.user))
    return render(request, "registry/home.html", {"grids": grids})


@require_action("registry.view")
def grid(request, grid_id: int):
    unit = found_or_404(selectors.access_grid, user=request.user, grid_id=grid_id)
    buildings = selectors.buildings_of(user=request.user, grid=unit)
    organisations = selectors.organisations_for(request.user).filter(grid=unit).order_by("name")[:200]
    return render(
        request, "registry/grid.html", {"grid": unit, "buildings": buildings, "organisations": organisations}
    )


@require_action("registry.view")
def building(request, building_id: int):
    item = found_or_404(selectors.access_building, user=request.user, building_id=building_id)
    entrances = [(e, list(selectors.rooms_of(entrance=e))) for e in selectors.entrances_of(building=item)]
    return render(request, "registry/building.html", {"building": item, "entrances": entrances})


@require_action("registry.view")
def room(request, room_id: int):
    item = found_or_404(selectors.access_room, user=request.user, room_id=room_id)
    households = list(item.households.all())
    if len(households) == 1:
        return redirect("registry:household", households[0].pk)
    return render(request, "registry/room.html", {"room": item, "households": households})


def _card_context(request, household, **forms):
    card = selectors.household_card(user=request.user, household=household)
    can_edit = _may(request.user, household.grid, "registry.edit")
    context = {"card": card, "household": household, "room": household.room, "can_edit": can_edit}
    if can_edit:
        groups = list(selectors.visible_groups(request.user, household.grid))
        context |= {
            "room_form": forms.get("room_form")
            or RoomForm(initial={"use": household.room.use, "owner_name": household.room.owner_name}),
            "person_form": forms.get("person_form") or PersonForm(prefix="new"),
            "vehicle_form": forms.get("vehicle_form") or VehicleForm(members=card.members, prefix="car"),
            "tag_form_groups": groups,
            "open_form": forms.get("open_form", ""),
        }
    return context


def _render_card(request, household, status=200, **forms):
    template = "registry/partials/household_card.html" if request.htmx else "registry/household.html"
    return render(request, template, _card_context(request, household, **forms), status=status)


@require_action("registry.view")
def household(request, household_id: int):
    item = found_or_404(selectors.access_household, user=request.user, household_id=household_id)
    return _render_card(request, item)


def _household_action(request, household_id: int, *, form, run, form_name: str):
    """Validate `form`, run the service, and re-render the card (with errors and nothing saved on failure)."""
    item = found_or_404(
        selectors.access_household, user=request.user, household_id=household_id, action="registry.edit"
    )
    if form.is_valid():
        try:
            run(item, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            if not request.htmx:
                return redirect("registry:household", item.pk)
            return _render_card(request, item)
    return _render_card(request, item, status=422, open_form=form_name, **{form_name: form})


@require_POST
@require_action("registry.edit")
def household_room(request, household_id: int):
    return _household_action(
        request,
        household_id,
        form=RoomForm(request.POST),
        form_name="room_form",
        run=lambda h, d: services.room_update(actor=request.user, room=h.room, **d),
    )


@require_POST
@require_action("registry.edit")
def household_add_person(request, household_id: int):
    return _household_action(
        request,
        household_id,
        form=PersonForm(request.POST, prefix="new"),
        form_name="person_form",
        run=lambda h, d: services.person_create(actor=request.user, household=h, **d),
    )


@require_POST
@require_action("registry.edit")
def household_add_vehicle(request, household_id: int):
    item = found_or_404(
        selectors.access_household, user=request.user, household_id=household_id, action="registry.edit"
    )
    members = list(item.members.all())

    def run(h, data):
        owner_id = data.pop("owner")
        owner = next((p for p in members if p.pk == owner_id), None)
        services.vehicle_add(actor=request.user, household=h, owner=owner, **data)

    form = VehicleForm(request.POST, members=members, prefix="car")
    return _household_action(request, household_id, form=form, form_name="vehicle_form", run=run)


@require_POST
@require_action("registry.edit")
def household_verify(request, household_id: int):
    item = found_or_404(
        selectors.access_household, user=request.user, household_id=household_id, action="registry.edit"
    )
    services.household_verify(actor=request.user, household=item)
    messages.success(request, _("已标记为上门核实。"))
    return _render_card(request, item) if request.htmx else redirect("registry:household", item.pk)


@require_POST
@require_action("registry.edit")
def vehicle_remove(request, vehicle_id: int):
    vehicle = Vehicle.objects.filter(pk=vehicle_id).select_related("household").first()
    if vehicle is None or vehicle.household_id is None:
        raise Http404
    return _household_action(
        request,
        vehicle.household_id,
        form=RemoveForm(request.POST),
        form_name="remove_form",
        run=lambda h, d: services.vehicle_remove(actor=request.user, vehicle=vehicle, **d),
    )


@require_action("registry.view")
def household_history(request, household_id: int):
    item = found_or_404(selectors.access_household, user=request.user, household_id=household_id)
    return render(
        request,
        "registry/household_history.html",
        {
            "household": item,
            "entries": history.household_history(
                household=item, groups=selectors.visible_groups(request.user, item.grid)
            ),
        },
    )


def _may(user, grid, action: str) -> bool:
    """Whether the user may do `action` in this grid (a role that allows it, held over the grid)."""
    return selectors.grids_of(user, action).filter(pk=grid.pk).exists()


def _person_context(request, person, **forms):
    groups = list(selectors.visible_groups(request.user, person.grid))
    tags = GroupMembership.objects.filter(person=person, is_active=True, group__in=groups).select_related(
        "group"
    )
    return {
        "person": person,
        "tags": tags,
        "can_edit": _may(request.user, person.grid, "registry.edit"),
        "can_reveal": _may(request.user, person.grid, "registry.reveal"),
        "edit_form": forms.get("edit_form")
        or PersonEditForm(
            initial={
                "full_name": person.full_name,
                "relation": person.relation,
                "residence_type": person.residence_type,
            }
        ),
        "move_form": forms.get("move_form") or MoveOutForm(),
        "tag_form": forms.get("tag_form") or TagForm(groups=groups),
        "open_form": forms.get("open_form", ""),
        "entries": history.person_history(person=person, groups=groups)[:20],
    }


@require_action("registry.view")
def person(request, person_id: int):
    item = found_or_404(selectors.access_person, user=request.user, person_id=person_id)
    return render(request, "registry/person.html", _person_context(request, item))


def _person_action(request, person_id: int, *, form, run, form_name: str):
    item = found_or_404(
        selectors.access_person, user=request.user, person_id=person_id, action="registry.edit"
    )
    if form.is_valid():
        try:
            run(item, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:person", item.pk)
    return render(
        request,
        "registry/person.html",
        _person_context(request, item, open_form=form_name, **{form_name: form}),
        status=422,
    )


@require_POST
@require_action("registry.edit")
def person_edit(request, person_id: int):
    def run(person, data):
        if not data["id_number"]:
            data.pop("id_number")
        if not data["phone"]:
            data.pop("phone")
        services.person_update(actor=request.user, person=person, **data)

    return _person_action(
        request, person_id, form=PersonEditForm(request.POST), form_name="edit_form", run=run
    )


@require_POST
@require_action("registry.edit")
def person_move_out(request, person_id: int):
    return _person_action(
        request,
        person_id,
        form=MoveOutForm(request.POST),
        form_name="move_form",
        run=lambda p, d: services.person_move_out(actor=request.user, person=p, **d),
    )


@require_POST
@require_action("registry.edit")
def person_tag(request, person_id: int):
    person = found_or_404(
        selectors.access_person, user=request.user, person_id=person_id, action="registry.edit"
    )
    groups = list(selectors.visible_groups(request.user, person.grid))

    def run(person, data):
        group = next(g for g in groups if g.pk == data["group"])
        services.person_tag(
            actor=request.user, person=person, group=group, grade=data["grade"], reason=data["reason"]
        )

    return _person_action(
        request, person_id, form=TagForm(request.POST, groups=groups), form_name="tag_form", run=run
    )


@require_POST
@require_action("registry.edit")
def person_untag(request, person_id: int, membership_id: int):
    item = found_or_404(
        selectors.access_person, user=request.user, person_id=person_id, action="registry.edit"
    )
    membership = GroupMembership.objects.filter(
        pk=membership_id, person=item, group__in=selectors.visible_groups(request.user, item.grid)
    ).first()
    if membership is None:
        raise Http404
    form = RemoveForm(request.POST)
    if form.is_valid():
        services.person_untag(actor=request.user, membership=membership, reason=form.cleaned_data["reason"])
        messages.success(request, _("已移除标签。"))
    else:
        messages.error(request, _("请填写变更原因。"))
    return redirect("registry:person", item.pk)


@require_POST
@require_action("registry.reveal")
def person_reveal(request, person_id: int):
    """Show the full ID number once, in place; the reveal is audited."""
    item = found_or_404(
        selectors.access_person, user=request.user, person_id=person_id, action="registry.reveal"
    )
    number = services.person_reveal_id(actor=request.user, person=item, request=request)
    return render(request, "registry/partials/revealed_id.html", {"number": number, "person": item})


@require_GET
@require_action("registry.view")
def search(request):
    query = request.GET.get("q", "").strip()[:60]
    grid_id = request.GET.get("grid") or None
    grids = list(selectors.grids_of(request.user))
    if grid_id and not any(str(g.pk) == grid_id for g in grids):
        grid_id = None
    people = list(selectors.person_search(user=request.user, query=query, grid_id=grid_id)) if query else []
    template = "registry/partials/search_results.html" if request.htmx else "registry/search.html"
    return render(request, template, {"q": query, "people": people, "grids": grids, "grid_id": grid_id})


@require_action("registry.coverage")
def coverage(request):
    try:
        months = max(1, min(60, int(request.GET.get("months", 12))))
    except ValueError:
        months = 12
    rows = selectors.coverage_report(user=request.user, months=months)
    return render(request, "registry/coverage.html", {"rows": rows, "months": months})


@require_http_methods(["GET", "POST"])
@require_action("registry.export")
def export(request, grid_id: int):
    unit = found_or_404(selectors.access_grid, user=request.user, grid_id=grid_id, action="registry.export")
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            content = exports.grid_register_xlsx(
                actor=request.user,
                grid=unit,
                reason=form.cleaned_data["reason"],
                full_id_numbers=form.cleaned_data["full_id_numbers"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            response["Content-Disposition"] = f'attachment; filename="register-{unit.code}.xlsx"'
            return response
    return render(request, "registry/export.html", {"grid": unit, "form": form})


@require_http_methods(["GET", "POST"])
@require_action("registry.import")
def import_list(request):
    sources = list(ImportSource.objects.order_by("name"))
    form = UploadForm(request.POST or None, request.FILES or None, sources=sources)
    if request.method == "POST" and form.is_valid():
        source = next(s for s in sources if s.pk == form.cleaned_data["source"])
        upload = form.cleaned_data["file"]
        try:
            batch = imports.import_preview(
                actor=request.user, source=source, file_name=upload.name, content=upload.read()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("registry:import_batch", batch.pk)
    batches = ImportBatch.objects.select_related("source", "created_by")[:50]
    context = {"form": form, "batches": batches, "sources": sources}
    return render(request, "registry/imports.html", context, status=422 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@require_action("registry.import")
def import_source(request, source_id: int):
    source = ImportSource.objects.filter(pk=source_id).first()
    if source is None:
        raise Http404
    fields = [(name, imports.FIELD_LABELS[name]) for name in imports.ENTITY_FIELDS[source.entity]]
    if request.method == "POST":
        mapping = {name: request.POST.get(name, "").strip()[:60] for name, _label in fields}
        imports.source_set_mapping(actor=request.user, source=source, mapping=mapping)
        messages.success(request, _("列映射已保存。"))
        return redirect("registry:imports")
    rows = [(name, label, source.column_mapping.get(name, "")) for name, label in fields]
    return render(request, "registry/import_source.html", {"source": source, "rows": rows})


@require_http_methods(["GET", "POST"])
@require_action("registry.import")
def import_batch(request, batch_id: int):
    batch = ImportBatch.objects.filter(pk=batch_id).select_related("source").first()
    if batch is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "apply":
                imports.import_apply(actor=request.user, batch=batch)
                messages.success(request, _("已导入。有冲突的字段已进入冲突处理队列。"))
            elif action == "rollback":
                imports.import_rollback(actor=request.user, batch=batch)
                messages.success(request, _("已撤销整批导入，登记数据已恢复。"))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("registry:import_batch", batch.pk)
    status = request.GET.get("status", "")
    rows = batch.rows.all()
    if status:
        rows = rows.filter(status=status)
    return render(
        request,
        "registry/import_batch.html",
        {"batch": batch, "rows": rows[:500], "status": status, "labels": imports.FIELD_LABELS},
    )


@require_action("registry.conflicts")
def conflicts(request):
    items = list(selectors.open_conflicts(user=request.user)[:200])
    for conflict in items:
        vars(conflict).update(imports.conflict_display(conflict))
    return render(request, "registry/conflicts.html", {"conflicts": items})


@require_POST
@require_action("registry.conflicts")
def conflict_resolve(request, conflict_id: int):
    conflict = selectors.open_conflicts(user=request.user).filter(pk=conflict_id).first()
    if conflict is None:
        raise Http404
    try:
        imports.conflict_resolve(
            actor=request.user, conflict=conflict, accept=request.POST.get("accept") == "1"
        )
    except (DomainError, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or "；".join(error.messages))
    else:
        messages.success(request, _("冲突已处理。"))
    return redirect("registry:conflicts")
