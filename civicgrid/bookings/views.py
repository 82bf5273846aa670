"""Pages of 资源共享: browse, a resource's day with its free slots, my bookings, and the owners' pages."""

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core import clock
from civicgrid.core.errors import DomainError
from civicgrid.core.forms import add_service_errors, run_service
from civicgrid.core.shortcuts import acted, found_or_404
from civicgrid.org.decorators import require_action
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import is_staff_member

from . import selectors, services
from .choices import BLOCKING_STATUSES, STATUS_COLOURS, WEEKDAYS, ResourceKind
from .forms import BookingForm, EditResourceForm, HoursForm, NewResourceForm


def _int(value):
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _hm(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def _owner_base(request) -> str:
    """Owners' pages: in the staff workbench for staff, in the portal for organisation accounts."""
    return "staff/base.html" if is_staff_member(request.user) else "portal/base.html"


# ---------------------------------------------------------------- bookers


@require_GET
@require_action("bookings.book")
def browse(request):
    kind = request.GET.get("kind", "")
    filters = {
        "kind": kind if kind in ResourceKind.values else "",
        "community": _int(request.GET.get("community")),
        "day": _date(request.GET.get("date")),
    }
    rows = selectors.bookable_resources(request.user, **filters)
    context = {
        "page": Paginator(rows, 20).get_page(request.GET.get("page")),
        "filters": filters,
        "kinds": ResourceKind.choices,
        "communities": selectors.communities_for(request.user),
        "can_book": selectors.can_book(request.user),
        "weekdays": dict(WEEKDAYS),
    }
    template = "bookings/partials/resource_rows.html" if request.htmx else "bookings/list.html"
    return render(request, template, context)


@require_action("bookings.book")
def detail(request, resource_id: int):
    """The resource, its slots on the chosen day and the booking form; the database has the last word."""
    resource = found_or_404(selectors.access_resource, user=request.user, resource_id=resource_id)
    data = request.POST if request.method == "POST" else None
    now = clock.now()
    day = _date((data or request.GET).get("date")) or clock.localdate(now)
    slots = selectors.day_slots(resource, day, now=now)
    start = request.GET.get("start", "")
    step = timedelta(minutes=resource.slot_minutes)
    chosen = next((s for s in slots if _hm(s.starts_at) == start), None)
    form = BookingForm(
        data,
        starts=[_hm(s.starts_at) for s in slots],
        ends=[_hm(s.ends_at) for s in slots],
        initial={
            "date": day,
            "start": start,
            "end": _hm(chosen.starts_at + step) if chosen else "",
            "attendees": 1,
        },
    )
    status = 200
    if data is not None:
        status = 422
        if form.is_valid():
            values = form.cleaned_data
            day = values["date"]
            try:
                booking = services.booking_create(
                    actor=request.user,
                    resource=resource,
                    starts_at=selectors.aware(day, time.fromisoformat(values["start"])),
                    ends_at=selectors.aware(day, time.fromisoformat(values["end"])),
                    attendees=values["attendees"],
                    purpose=values["purpose"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except DomainError as error:
                form.add_error(None, str(error.message))
                status = error.status
            else:
                if booking.status == "confirmed":
                    messages.success(request, _("预约成功。"))
                else:
                    messages.success(request, _("已提交，等待管理方审核，结果会发到您的消息中。"))
                return redirect("bookings:mine")
            slots = selectors.day_slots(resource, day, now=now)
    context = {
        "resource": resource,
        "day": day,
        "days": [
            (d, dict(WEEKDAYS)[d.weekday()])
            for d in (clock.localdate(now) + timedelta(days=i) for i in range(7))
        ],
        "slots": slots,
        "form": form,
        "can_book": selectors.can_book(request.user),
        "weekdays": dict(WEEKDAYS),
        "hours": selectors.hours_on(resource, day),
    }
    template = "bookings/partials/day.html" if request.htmx else "bookings/detail.html"
    return render(request, template, context, status=status)


@require_GET
@require_action("bookings.book")
def mine(request):
    page = Paginator(selectors.my_bookings(request.user), 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "now": clock.now(),
        "blocking": BLOCKING_STATUSES,
        "colours": STATUS_COLOURS,
    }
    return render(request, "bookings/mine.html", context)


@require_POST
@require_action("bookings.book")
def cancel(request, booking_id: int):
    booking = found_or_404(selectors.access_my_booking, user=request.user, booking_id=booking_id)
    acted(request, lambda: services.booking_cancel(actor=request.user, booking=booking), _("已取消预约。"))
    return redirect("bookings:mine")


# ---------------------------------------------------------------- owners


@require_GET
@require_action("bookings.manage")
def manage(request):
    context = {
        "base": _owner_base(request),
        "resources": selectors.managed_resources(request.user),
        "queue": Paginator(selectors.pending_queue(request.user), 30).get_page(request.GET.get("page")),
        "weekdays": dict(WEEKDAYS),
    }
    return render(request, "bookings/manage.html", context)


# A new resource opens Monday to Friday, office hours, until the owner says otherwise.
DEFAULT_HOURS = {"opens": time(8, 30), "closes": time(17, 30)}


def _owners(user) -> list[tuple[str, str]]:
    places = [
        (f"org:{unit.pk}", f"{name}（{unit.name}）") for unit, name in selectors.organisation_places(user)
    ]
    return places + [(f"unit:{unit.pk}", unit.name) for unit in selectors.owner_units(user)]


@require_action("bookings.manage")
def resource_new(request):
    owners = _owners(request.user)
    data = request.POST if request.method == "POST" else None
    form = NewResourceForm(data, request.FILES or None, owners=owners)
    hours = HoursForm(data, initial={f"{k}_{d}": v for d in range(5) for k, v in DEFAULT_HOURS.items()})
    if data is not None and form.is_valid() & hours.is_valid():
        values = dict(form.cleaned_data)
        kind, _sep, unit_id = values.pop("owner").partition(":")
        resource = run_service(
            form,
            lambda: services.resource_create(
                actor=request.user,
                unit=OrgUnit.objects.get(pk=unit_id),
                as_organisation=kind == "org",
                hours=hours.hours(),
                **values,
            ),
        )
        if not form.errors:
            messages.success(request, _("已发布，居民现在可以预约。"))
            return redirect("bookings:calendar", resource.pk)
    context = {"base": _owner_base(request), "form": form, "hours": hours, "resource": None}
    return render(request, "bookings/resource_form.html", context, status=422 if data is not None else 200)


@require_action("bookings.manage")
def resource_edit(request, resource_id: int):
    resource = found_or_404(selectors.access_managed_resource, user=request.user, resource_id=resource_id)
    data = request.POST if request.method == "POST" else None
    fields = EditResourceForm.base_fields
    form = EditResourceForm(
        data,
        request.FILES or None,
        initial={name: getattr(resource, name) for name in fields if name != "photo"},
    )
    hours = HoursForm(data, initial=HoursForm.initial_from(resource.hours.all()))
    if data is not None and form.is_valid() & hours.is_valid():
        run_service(
            form,
            lambda: services.resource_update(
                actor=request.user, resource=resource, hours=hours.hours(), **form.cleaned_data
            ),
        )
        if not form.errors:
            messages.success(request, _("已保存。"))
            return redirect("bookings:calendar", resource.pk)
    context = {"base": _owner_base(request), "form": form, "hours": hours, "resource": resource}
    return render(request, "bookings/resource_form.html", context, status=422 if data is not None else 200)


@require_GET
@require_action("bookings.manage")
def calendar(request, resource_id: int):
    resource = found_or_404(selectors.access_managed_resource, user=request.user, resource_id=resource_id)
    monday = selectors.week_of(_date(request.GET.get("week")) or clock.today())
    days = selectors.calendar(resource, monday=monday)
    labels = dict(WEEKDAYS)
    for entry in days:
        entry["label"] = labels[entry["day"].weekday()]
    context = {
        "base": _owner_base(request),
        "resource": resource,
        "monday": monday,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "days": days,
        "colours": STATUS_COLOURS,
        "now": clock.now(),
    }
    return render(request, "bookings/calendar.html", context)


@require_POST
@require_action("bookings.manage")
def decide(request, booking_id: int):
    booking = found_or_404(selectors.access_managed_booking, user=request.user, booking_id=booking_id)
    confirm = request.POST.get("decision") == "confirm"
    acted(
        request,
        lambda: services.booking_decide(
            actor=request.user, booking=booking, confirm=confirm, reason=request.POST.get("reason", "")
        ),
        _("已确认预约。") if confirm else _("已退回预约。"),
    )
    return _back_to(request)


def _back_to(request):
    """Back to the page the owner acted from (the queue or a week of the calendar)."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("bookings:manage")


@require_POST
@require_action("bookings.manage")
def withdraw(request, booking_id: int):
    """The owner cancels a booking before it begins, saying why (the booker is told)."""
    booking = found_or_404(selectors.access_managed_booking, user=request.user, booking_id=booking_id)
    acted(
        request,
        lambda: services.booking_withdraw(
            actor=request.user, booking=booking, reason=request.POST.get("reason", "")
        ),
        _("已取消该预约，并通知了预约人。"),
    )
    return _back_to(request)
