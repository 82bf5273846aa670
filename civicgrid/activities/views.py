"""Pages of 社区活动: the list and sign-up for residents, the organiser's pages, the community's queue
and the demand menus."""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.bookings.selectors import venue_of
from civicgrid.core import clock
from civicgrid.core.errors import DomainError, Forbidden
from civicgrid.core.forms import run_service
from civicgrid.core.shortcuts import found_or_404
from civicgrid.org.decorators import require_action
from civicgrid.org.selectors import is_staff_member, user_can

from . import selectors, services
from .choices import ActivityStatus, Audience, PhotoStatus, SignupStatus
from .forms import ActivityForm, PhotoForm, ReasonForm, local_input
from .ideas import IDEAS_BY_KEY


def _render(request, template: str, context: dict, status: int = 200):
    """Staff see the pages they share with residents inside the workbench's frame."""
    base = "staff/base.html" if is_staff_member(request.user) else "portal/base.html"
    return render(request, template, {"base": base, **context}, status=status)


def _may_browse(user) -> bool:
    return user_can(user, "activities.join") or user_can(user, "activities.organise") or is_staff_member(user)


def browse(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _may_browse(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _managed(request, activity_id: int):
    """The activity for its organiser or community: 404 when out of sight, 403 when only visible."""
    try:
        return found_or_404(selectors.access_managed_activity, user=request.user, activity_id=activity_id)
    except Forbidden:
        raise PermissionDenied from None


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error.message)


# ---------------------------------------------------------------- residents


@require_GET
@browse
def activity_list(request):
    audience = request.GET.get("audience", "")
    page = Paginator(selectors.upcoming(request.user, audience=audience), 20).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    mine = selectors.signup_statuses(user=request.user, activities=page.object_list)
    for activity in page.object_list:
        activity.my = mine.get(activity.pk)
    context = {
        "page": page,
        "audience": audience,
        "audiences": Audience.choices,
        "can_organise": user_can(request.user, "activities.organise"),
    }
    if request.htmx:
        return render(request, "activities/partials/rows.html", context)
    return _render(request, "activities/list.html", context)


def _signup_context(request, activity, **extra) -> dict:
    now = clock.now()
    signup = selectors.my_signup(user=request.user, activity=activity)
    open_ = (
        activity.status == ActivityStatus.PUBLISHED and not activity.is_hidden and activity.starts_at > now
    )
    return {
        "activity": activity,
        "signup": signup,
        "open": open_,
        "can_join": open_
        and user_can(request.user, "activities.join")
        and selectors.in_reach(request.user, activity),
        **extra,
    }


@require_GET
@browse
def detail(request, activity_id: int):
    activity = found_or_404(selectors.access_activity, user=request.user, activity_id=activity_id)
    can_manage = selectors.can_manage(request.user, activity)
    context = _signup_context(
        request,
        activity,
        can_manage=can_manage,
        can_moderate=selectors.can_moderate(request.user, activity),
        can_edit=can_manage
        and not (
            activity.by_resident
            and activity.status == ActivityStatus.PUBLISHED
            and not selectors.can_moderate(request.user, activity)
        ),
        started=activity.starts_at <= clock.now(),
        over=activity.ends_at <= clock.now(),
        photos=selectors.photos_of(user=request.user, activity=activity),
        people=selectors.participants(activity) if can_manage else None,
        venue=venue_of(activity.booking_id) if activity.booking_id else "",
    )
    return _render(request, "activities/detail.html", context)


def _signup_answer(request, activity, action):
    try:
        result = action(actor=request.user, activity=activity)
    except DomainError as error:
        message, ok = str(error.message), False
    else:
        ok = True
        if result.status == SignupStatus.CONFIRMED:
            message = _("报名成功。")
        elif result.status == SignupStatus.WAITING:
            message = _("名额已满，您已加入候补，排第 %(n)s 位。") % {"n": result.position}
        else:
            message = _("已取消报名。")
    if request.htmx:
        activity.refresh_from_db()
        context = _signup_context(request, activity, message=message, ok=ok)
        return render(request, "activities/partials/signup_box.html", context, status=200 if ok else 422)
    (messages.success if ok else messages.error)(request, message)
    return redirect("activities:detail", activity.pk)


@require_POST
@require_action("activities.join")
def signup(request, activity_id: int):
    activity = found_or_404(selectors.access_activity, user=request.user, activity_id=activity_id)
    return _signup_answer(request, activity, services.signup_create)


@require_POST
@require_action("activities.join")
def signup_cancel(request, activity_id: int):
    activity = found_or_404(selectors.access_activity, user=request.user, activity_id=activity_id)
    return _signup_answer(request, activity, services.signup_cancel)


@require_GET
@browse
def mine(request):
    context = {
        "signups": selectors.my_signups(request.user)[:50],
        "organised": selectors.organised_by(request.user)[:50],
        "now": clock.now(),
    }
    return _render(request, "activities/mine.html", context)


@require_GET
@browse
def sharing(request):
    stream = selectors.sharing_stream(request.user)
    page = Paginator(stream, 10).get_page(request.GET.get("page"))
    return _render(request, "activities/sharing.html", {"page": page})


# ---------------------------------------------------------------- organisers


def _initial_from_idea(request) -> dict:
    """The create form filled from a demand-menu idea (?idea=…&unit=…)."""
    initial: dict = {}
    idea = IDEAS_BY_KEY.get(request.GET.get("idea", ""))
    start = timezone.localtime(clock.now() + timedelta(days=7)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    if idea is not None:
        initial.update(
            title=idea.title,
            description=idea.description,
            audience=idea.audience,
            capacity=idea.capacity,
            starts_at=local_input(start),
            ends_at=local_input(start + timedelta(hours=idea.hours)),
        )
    if request.GET.get("unit", "").isdigit():
        initial["unit"] = int(request.GET["unit"])
    return initial


@require_action("activities.organise")
def create(request):
    units = selectors.organise_units(request.user)
    form = ActivityForm(request.POST or None, units=units, initial=_initial_from_idea(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit_id = data.pop("unit")
        unit = next(u for u, _direct in units if u.pk == unit_id)
        activity = run_service(form, lambda: services.activity_create(actor=request.user, unit=unit, **data))
        if not form.errors:
            if activity.status == ActivityStatus.DRAFT:
                messages.success(request, _("已提交，社区审核通过后发布。"))
            else:
                messages.success(request, _("活动已发布。"))
            return redirect("activities:detail", activity.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "units": units, "editing": None}
    return _render(request, "activities/form.html", context, status=status)


@require_action("activities.organise")
def edit(request, activity_id: int):
    activity = _managed(request, activity_id)
    initial = {
        "title": activity.title,
        "description": activity.description,
        "audience": activity.audience,
        "starts_at": local_input(activity.starts_at),
        "ends_at": local_input(activity.ends_at),
        "place": activity.place,
        "booking_id": activity.booking_id,
        "capacity": activity.capacity,
    }
    form = ActivityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        run_service(
            form, lambda: services.activity_update(actor=request.user, activity=activity, **form.cleaned_data)
        )
        if not form.errors:
            messages.success(request, _("已保存。"))
            return redirect("activities:detail", activity.pk)
    status = 422 if request.method == "POST" else 200
    return _render(request, "activities/form.html", {"form": form, "editing": activity}, status=status)


@require_POST
@require_action("activities.organise")
def cancel(request, activity_id: int):
    activity = _managed(request, activity_id)
    try:
        services.activity_cancel(actor=request.user, activity=activity, reason=request.POST.get("reason", ""))
    except (ValidationError, DomainError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("活动已取消，已通知报名的居民。"))
    return redirect("activities:detail", activity.pk)


@require_action("activities.organise")
def attendance(request, activity_id: int):
    activity = _managed(request, activity_id)
    status = 200
    if request.method == "POST":
        try:
            result = services.attendance_mark(
                actor=request.user, activity=activity, attended_user_ids=request.POST.getlist("attended")
            )
        except (ValidationError, DomainError) as error:
            messages.error(request, _error_text(error))
            status = 422
        else:
            messages.success(
                request,
                _("已登记 %(n)s 人签到，%(p)s 人本次获得积分。")
                % {"n": result["attended"], "p": result["points_awarded"]},
            )
            return redirect("activities:attendance", activity.pk)
    context = {
        "activity": activity,
        "people": selectors.confirmed(activity),
        "started": activity.starts_at <= clock.now(),
    }
    return _render(request, "activities/attendance.html", context, status=status)


@require_action("activities.organise")
def photos(request, activity_id: int):
    activity = _managed(request, activity_id)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        added = run_service(
            form,
            lambda: services.photo_add(
                actor=request.user,
                activity=activity,
                images=form.cleaned_data["photos"],
                caption=form.cleaned_data["caption"],
            ),
        )
        if not form.errors:
            if added and added[0].status == PhotoStatus.PENDING:
                messages.success(request, _("照片已上传，社区审核后公开。"))
            else:
                messages.success(request, _("照片已上传。"))
            return redirect("activities:photos", activity.pk)
    context = {
        "activity": activity,
        "form": form,
        "photos": selectors.photos_of(user=request.user, activity=activity),
        "can_moderate": selectors.can_moderate(request.user, activity),
    }
    status = 422 if request.method == "POST" else 200
    return _render(request, "activities/photos.html", context, status=status)


# ---------------------------------------------------------------- the community (staff)


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@require_action("activities.organise")
@staff_only
def manage(request):
    moderator = bool(selectors.moderator_paths(request.user))
    page = Paginator(selectors.managed_activities(request.user), 30).get_page(request.GET.get("page"))
    context = {
        "moderator": moderator,
        "queue": selectors.moderation_queue(request.user)[:50] if moderator else [],
        "photo_queue": selectors.photo_queue(request.user)[:50] if moderator else [],
        "page": page,
        "form": ReasonForm(),
    }
    return render(request, "activities/manage.html", context)


def _moderated_activity(request, activity_id: int):
    activity = found_or_404(selectors.access_activity, user=request.user, activity_id=activity_id)
    if not selectors.can_moderate(request.user, activity):
        raise PermissionDenied
    return activity


@require_POST
@require_action("activities.organise")
def decide(request, activity_id: int):
    activity = _moderated_activity(request, activity_id)
    approve = request.POST.get("decision") == "publish"
    try:
        if approve:
            services.activity_publish(actor=request.user, activity=activity)
        else:
            services.activity_refuse(
                actor=request.user, activity=activity, reason=request.POST.get("reason", "")
            )
    except (ValidationError, DomainError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已发布。") if approve else _("已退回，并告知发起人。"))
    return redirect("activities:manage")


@require_POST
@require_action("activities.organise")
def hide(request, activity_id: int):
    activity = _moderated_activity(request, activity_id)
    try:
        if request.POST.get("restore"):
            services.activity_unhide(actor=request.user, activity=activity)
        else:
            services.activity_hide(
                actor=request.user, activity=activity, reason=request.POST.get("reason", "")
            )
    except (ValidationError, DomainError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已恢复显示。") if request.POST.get("restore") else _("已隐藏。"))
    return redirect("activities:detail", activity.pk)


@require_POST
@require_action("activities.organise")
def photo_decide(request, photo_id: int):
    photo = found_or_404(selectors.access_photo, user=request.user, photo_id=photo_id)
    if not selectors.can_moderate(request.user, photo.activity):
        raise PermissionDenied
    try:
        if request.POST.get("decision") == "approve":
            services.photo_approve(actor=request.user, photo=photo)
        else:
            services.photo_hide(actor=request.user, photo=photo, reason=request.POST.get("reason", ""))
    except (ValidationError, DomainError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已处理。"))
    if request.POST.get("back") == "photos":
        return redirect("activities:photos", photo.activity_id)
    return redirect("activities:manage")


@require_GET
@require_action("activities.demand")
def demand(request):
    try:
        menu = found_or_404(
            selectors.demand_menu, user=request.user, community_id=request.GET.get("community") or None
        )
    except Forbidden:
        raise PermissionDenied from None
    context = {"menu": menu, "can_organise": user_can(request.user, "activities.organise")}
    return render(request, "activities/demand.html", context)
