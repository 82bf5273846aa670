"""Problem-flow centre pages: report, centre list with lights, case detail with its actions."""

import json
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.core import clock
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.forms import add_service_errors
from civicgrid.core.pagination import PeekPage
from civicgrid.org.choices import UnitKind
from civicgrid.org.decorators import require_action
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import (
    ancestor_of_kind,
    memberships_of,
    scope_paths,
    units_under,
    units_visible_to,
    user_can,
)

from . import selectors, services, sla
from .choices import CaseStatus, Channel, DecisionStatus, Light, Outcome
from .forms import (
    CloseForm,
    DispatchForm,
    ExtensionForm,
    InspectForm,
    MergeForm,
    NoteForm,
    RateForm,
    RecategoriseForm,
    ReportForm,
    RequiredNoteForm,
    ReturnForm,
    ReviewForm,
    WarningForm,
)
from .models import Case, Category, ExtensionRequest
from .permissions import allowed_actions, find_acting_unit


def _base(request) -> str:
    return "staff/base.html" if request.user.kind == "staff" else "portal/base.html"


def _case(request, case_id) -> Case:
    try:
        return selectors.access_case(user=request.user, case_id=case_id)
    except NotFound:
        raise Http404 from None


def _decorate(page, now) -> None:
    """Turn each row of the page (a values dict) into an object with what the row shows: light, time
    left, date, link — worked out once here rather than by a template tag per row (a page of 50 rows
    stays cheap; templates read an object's attributes faster than a dict's keys)."""
    detail = reverse("cases:detail", args=[0]).removesuffix("0/")
    overdue, left = _("已超时 %(h)s 小时"), _("剩余 %(h)s 小时")
    labels = {value: str(label) for value, label in Light.choices}
    rows = [SimpleNamespace(**values) for values in page.object_list]
    for row in rows:
        row.light = sla.light(row, now)
        row.light_label = labels[row.light]
        row.url = f"{detail}{row.id}/"
        due = row.stage_due_at
        hours = round((due - now).total_seconds() / 3600, 1) if due and not row.paused_at else None
        row.left_hours = hours
        row.overdue = hours is not None and hours < 0
        row.left_text = (
            "" if hours is None else (overdue % {"h": -hours} if hours < 0 else left % {"h": hours})
        )
        row.reported = timezone.localtime(row.reported_at).strftime("%m-%d %H:%M")
    page.object_list = rows


@require_http_methods(["GET", "POST"])
@require_action("cases.report")
def report(request):
    """Report a problem: category, description, photos and a place (map point or grid)."""
    categories = services.reportable_categories(request.user)
    grids = list(units_visible_to(request.user).filter(kind=UnitKind.GRID).order_by("code")[:500])
    form = ReportForm(request.POST or None, request.FILES or None, categories=categories, grids=grids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = next(c for c in categories if c.pk == data["category"])
        grid = next((g for g in grids if g.pk == data["grid"]), None)
        try:
            case = services.case_report(
                actor=request.user,
                channel=services.channel_for(user=request.user, category=category),
                category=category,
                description=data["description"],
                lat=data["lat"],
                lng=data["lng"],
                address=data["address"],
                grid=grid,
                is_anonymous=data["is_anonymous"],
                contact_consent=data["contact_consent"],
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已上报，问题编号 %(number)s。") % {"number": case.number})
            return redirect("cases:detail", case.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "base": _base(request), "area_geojson": _area_geojson(request.user)}
    return render(request, "cases/report.html", context, status=status)


def _area_geojson(user) -> str:
    """The outlines of the reporter's area for the pick map (no tile server): the grids the user
    reaches, else the communities of their memberships (volunteers, residents)."""
    units = units_visible_to(user).filter(kind=UnitKind.GRID)
    if not units.exists():  # a membership in a community, or in one of its grids
        paths = {p for m in memberships_of(user) for p in (m.unit.path, m.unit.path[: -OrgUnit.steplen])}
        units = OrgUnit.objects.filter(path__in=paths, kind=UnitKind.COMMUNITY)
    features = [
        {"type": "Feature", "geometry": boundary, "properties": {"name": name}}
        for name, boundary in units.exclude(boundary=None).values_list("name", "boundary")[:2000]
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


@require_GET
@require_action("cases.report")
def nearby(request):
    """Open cases of the same category near the chosen point: maybe the same problem."""
    try:
        category = Category.objects.get(pk=int(request.GET["category"]))
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError, Category.DoesNotExist):
        return render(request, "cases/partials/nearby.html", {"cases": []})
    cases = selectors.nearby_open_cases(
        user=request.user, category=category, lat=lat, lng=lng, radius_m=settings.CASE_DUPLICATE_RADIUS_M
    )
    return render(request, "cases/partials/nearby.html", {"cases": cases})


@require_GET
@require_action("cases.view")
def centre(request):
    """The centre: waiting cases with their light and time left, filterable; claim in place.

    The body is a Jinja2 template (docs/decisions/0007-jinja2-for-long-lists.md)."""
    now = clock.now()
    tab = request.GET.get("tab", "waiting")
    filters = {
        "category": _int(request.GET.get("category")),
        "channel": request.GET.get("channel", "") if request.GET.get("channel") in Channel.values else "",
        "light": request.GET.get("light", ""),
        "community": _int(request.GET.get("community")),
    }
    if tab == "mine":
        rows = selectors.my_cases(user=request.user)
    elif tab == "queue":
        rows = selectors.dispatcher_queue(user=request.user)
    elif tab == "open":
        rows = selectors.centre_list(user=request.user, now=now, status="open", **filters)
    elif tab == "confirm":
        rows = selectors.centre_list(user=request.user, now=now, status="reported", **filters)
    else:
        tab = "waiting"
        rows = selectors.centre_list(user=request.user, now=now, **filters)
    page = PeekPage(rows, request.GET.get("page"), 50, params=request.GET)
    _decorate(page, now)
    context = {"page": page, "tab": tab}
    if request.htmx:
        return render(request, "cases/partials/centre_rows.html", context, using="jinja2")
    tabs = [
        ("waiting", _("待领办")),
        ("mine", _("我的承办")),
        ("open", _("全部在办")),
        ("confirm", _("待核实确认")),
    ]
    if user_can(request.user, "cases.dispatch"):
        tabs.append(("queue", _("人工派单")))
    lights = [(light, light.label) for light in (Light.RED, Light.YELLOW, Light.GREEN)]
    selects = [
        ("category", _("类别"), _("全部类别"), selectors.active_categories()),
        ("channel", _("来源"), _("全部来源"), Channel.choices),
        ("light", _("红黄灯"), _("全部灯色"), lights),
        (
            "community",
            _("社区"),
            _("全部社区"),
            units_under(scope_paths(request.user), kind=UnitKind.COMMUNITY),
        ),
    ]
    body = render_to_string(
        "cases/centre_body.html",
        context | {"tabs": tabs, "selects": selects, "filters": filters},
        request,
        using="jinja2",
    )
    # Jinja2 escaped every value in it (autoescape is on).
    return render(request, "cases/centre.html", {"body": mark_safe(body)})  # nosec B308 B703


def _span(delta) -> dict | None:
    """Time left (or overdue) as whole hours and minutes."""
    if delta is None:
        return None
    minutes = int(abs(delta.total_seconds()) // 60)
    return {"overdue": delta.total_seconds() < 0, "hours": minutes // 60, "minutes": minutes % 60}


def _int(value):
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_GET
def mine(request):
    """What I reported and what became of it (volunteers, residents, staff)."""
    now = clock.now()
    rows = Paginator(selectors.reported_by(user=request.user), 30).get_page(request.GET.get("page"))
    _decorate(rows, now)
    for row in rows.object_list:
        row.status_label = CaseStatus(row.status).label
        row.outcome_label = Outcome(row.outcome).label if row.outcome else ""
    return render(request, "cases/mine.html", {"page": rows, "base": _base(request)})


def _dispatch_units(case: Case):
    street = ancestor_of_kind(case.grid, UnitKind.STREET)
    if street is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        path__startswith=street.path,
        kind__in=[UnitKind.DEPARTMENT, UnitKind.AGENCY, UnitKind.COMMUNITY],
        is_active=True,
    ).order_by("kind", "code") | OrgUnit.objects.filter(pk=case.grid_id)


def _forms(case: Case, actions: list[str], post=None, failed: str = "") -> dict:
    """One form per action the user may take now (the failed one bound, with its errors)."""
    factories = {
        "confirm": lambda data: NoteForm(data, prefix="confirm"),
        "reject_report": lambda data: RequiredNoteForm(data, prefix="reject_report"),
        "verify": lambda data: NoteForm(data, prefix="verify"),
        "work_log": lambda data: RequiredNoteForm(data, prefix="work_log"),
        "resolve": lambda data: RequiredNoteForm(data, prefix="resolve"),
        "close": lambda data: CloseForm(data, prefix="close"),
        "reopen": lambda data: RequiredNoteForm(data, prefix="reopen"),
        "close_unhandled": lambda data: CloseForm(data, prefix="close_unhandled"),
        "return": lambda data: ReturnForm(data, prefix="return"),
        "dispute": lambda data: RequiredNoteForm(data, prefix="dispute"),
        "review_dispute": lambda data: ReviewForm(data, prefix="review_dispute"),
        "merge": lambda data: MergeForm(data, prefix="merge"),
        "set_warning": lambda data: WarningForm(data, prefix="set_warning"),
        "recategorise": lambda data: RecategoriseForm(
            data, prefix="recategorise", categories=selectors.recategorise_choices(case)
        ),
        "inspect": lambda data: InspectForm(data, prefix="inspect"),
        "request_extension": lambda data: ExtensionForm(data, prefix="request_extension"),
        "dispatch": lambda data: DispatchForm(data, prefix="dispatch", units=_dispatch_units(case)),
    }
    return {name: factories[name](post if name == failed else None) for name in actions if name in factories}


def _detail(request, case: Case, *, failed: str = "", failed_form=None, status: int = 200):
    now = clock.now()
    actions = allowed_actions(request.user, case)
    forms = _forms(case, actions, request.POST, failed)
    if failed_form is not None and failed in forms:
        forms[failed] = failed_form  # with the errors the service added, not just the form's own
    show_reporter = case.reporter_id and (not case.is_anonymous or case.contact_consent)
    context = {
        "case": case,
        "now": now,
        "light": sla.light(case, now),
        "time_left": _span(sla.time_left(case, now)),
        "events": selectors.timeline(case=case),
        "forms": forms,
        "actions": actions,
        "failed": failed,
        "photos": case.photos.all(),
        "base": _base(request),
        "show_reporter": show_reporter,
        "can_claim": "claim" in actions,
        "can_resume": case.paused_at is not None and "work_log" in actions,
        "can_tick": "work_log" in actions,
        "pending_extensions": case.extension_requests.filter(status=DecisionStatus.PENDING)
        if find_acting_unit(request.user, case, "close") is not None  # who checks, decides on time
        else [],
        "can_rate": case.reporter_id == request.user.pk and case.status == "closed" and case.rating is None,
        "rate_form": RateForm(),
        "inspections": case.inspections.select_related("supervisor"),
    }
    return render(request, "cases/detail.html", context, status=status)


@require_GET
def detail(request, case_id: int):
    return _detail(request, _case(request, case_id))


def _run(request, case: Case, action: str):
    """Call the service behind `action` with the posted form."""
    form = _forms(case, [action], request.POST, action).get(action)
    if form is None or not form.is_valid():
        return form
    data = form.cleaned_data
    photos = request.FILES.getlist(f"{action}-photos")
    user = request.user
    calls = {
        "confirm": lambda: services.case_confirm(case=case, actor=user, note=data["note"]),
        "reject_report": lambda: services.case_reject_report(case=case, actor=user, note=data["note"]),
        "verify": lambda: services.case_verify(case=case, actor=user, note=data["note"], photos=photos),
        "work_log": lambda: services.case_log_work(case=case, actor=user, note=data["note"], photos=photos),
        "resolve": lambda: services.case_resolve(case=case, actor=user, note=data["note"], photos=photos),
        "close": lambda: services.case_close(
            case=case, actor=user, outcome=data["outcome"], note=data["note"]
        ),
        "reopen": lambda: services.case_reopen(case=case, actor=user, note=data["note"]),
        "close_unhandled": lambda: services.case_close_unhandled(
            case=case, actor=user, outcome=data["outcome"], note=data["note"]
        ),
        "return": lambda: services.case_return(
            case=case, actor=user, reason=data["reason"], note=data["note"]
        ),
        "dispute": lambda: services.case_dispute(case=case, actor=user, note=data["note"]),
        "review_dispute": lambda: services.dispute_review(
            case=case, actor=user, upheld=data["upheld"], note=data["note"]
        ),
        "merge": lambda: services.case_merge(
            case=case, into=_merge_target(user, data["into"]), actor=user, note=data["note"]
        ),
        "set_warning": lambda: services.case_set_warning(case=case, actor=user, level=data["level"]),
        "recategorise": lambda: services.case_recategorise(
            case=case,
            actor=user,
            category=selectors.recategorise_choices(case).get(pk=data["category"]),
            note=data["note"],
        ),
        "inspect": lambda: services.case_inspect(
            case=case, actor=user, finding=data["finding"], rating=data["rating"]
        ),
        "request_extension": lambda: services.extension_request(
            case=case, actor=user, kind=data["kind"], reason=data["reason"], hours=data["hours"]
        ),
        "dispatch": lambda: services.case_dispatch(
            case=case, actor=user, note=data["note"], target=_dispatch_units(case).get(pk=data["target"])
        ),
    }
    try:
        calls[action]()
    except ValidationError as error:
        add_service_errors(form, error)
        return form
    except DomainError as error:
        form.add_error(None, str(error.message))
        return form
    return None


def _merge_target(user, number: str) -> Case:
    target = selectors.cases_for(user).filter(number=number.strip()).first()
    if target is None:
        raise ValidationError({"into": _("找不到编号为 %(number)s 的问题。") % {"number": number}})
    return target


@require_POST
def act(request, case_id: int, action: str):
    case = _case(request, case_id)
    if action not in allowed_actions(request.user, case):
        if action in ("claim",) or action not in _forms(case, [action]):
            raise Http404
        messages.error(request, _("当前不能执行此操作，请刷新后查看。"))
        return redirect("cases:detail", case.pk)
    failed_form = _run(request, case, action)
    if failed_form is not None:
        return _detail(request, case, failed=action, failed_form=failed_form, status=422)
    messages.success(request, _("已完成。"))
    return redirect("cases:detail", case.pk)


@require_POST
def claim(request, case_id: int):
    """Claim from the centre list (htmx: the row is replaced by the result)."""
    case = _case(request, case_id)
    try:
        case = services.case_claim(case=case, actor=request.user)
        message, ok = _("已领办。"), True
    except DomainError as error:
        message, ok = str(error.message), False
    if request.htmx:
        return render(
            request,
            "cases/partials/claim_result.html",
            {"case": case, "message": message, "ok": ok},
            status=200 if ok else 409,
        )
    (messages.success if ok else messages.error)(request, message)
    return redirect("cases:detail", case.pk)


@require_POST
def resume(request, case_id: int):
    case = _case(request, case_id)
    try:
        services.case_resume(case=case, actor=request.user)
        messages.success(request, _("已恢复计时。"))
    except (DomainError, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or "；".join(error.messages))
    return redirect("cases:detail", case.pk)


@require_POST
def tick_step(request, case_id: int, index: int):
    """Mark one step of a warning level's handling checklist done."""
    case = _case(request, case_id)
    try:
        services.case_checklist_tick(case=case, actor=request.user, index=index)
        messages.success(request, _("已完成该处置步骤。"))
    except (DomainError, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or "；".join(error.messages))
    return redirect("cases:detail", case.pk)


@require_POST
def decide_extension(request, case_id: int, request_id: int):
    case = _case(request, case_id)
    item = ExtensionRequest.objects.filter(pk=request_id, case=case).first()
    if item is None:
        raise Http404
    try:
        services.extension_decide(
            request=item, actor=request.user, approve=request.POST.get("approve") == "1"
        )
        messages.success(request, _("已审批。"))
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("cases:detail", case.pk)


@require_POST
def rate(request, case_id: int):
    case = _case(request, case_id)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.case_rate(case=case, actor=request.user, **form.cleaned_data)
            messages.success(request, _("感谢您的评价。"))
        except (DomainError, ValidationError) as error:
            messages.error(request, getattr(error, "message", None) or "；".join(error.messages))
    return redirect("cases:detail", case.pk)


@require_GET
@require_action("cases.warnings")
def warnings(request):
    """The emergency board: every open warning by grid with its light."""
    now = clock.now()
    cases = list(selectors.open_warnings(user=request.user))
    for case in cases:
        case.light = sla.light(case, now)
    return render(request, "cases/warnings.html", {"cases": cases})
