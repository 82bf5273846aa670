"""Field workbench pages: thin — parse, call a service or selector, render."""

import uuid

import markdown
import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from civicgrid.cases.models import Case, Category
from civicgrid.cases.selectors import cases_for, my_cases
from civicgrid.core import clock
from civicgrid.core.errors import Forbidden
from civicgrid.core.forms import add_service_errors
from civicgrid.core.shortcuts import found_or_404
from civicgrid.org.decorators import require_action
from civicgrid.org.selectors import user_can
from civicgrid.registry.models import ServiceGroup
from civicgrid.registry.selectors import access_organisation, household_card

from . import selectors, services
from .forms import (
    CommentForm,
    ConsultationForm,
    ImportForm,
    ProgrammeForm,
    StudyForm,
    VisitForm,
    WorkLogForm,
)
from .models import Visit


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _errors(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


# ---------------------------------------------------------------- my day and visits


@require_GET
@require_action("fieldwork.visit")
def my_day(request):
    day = selectors.my_day(user=request.user)
    recent = list(selectors.my_visits(user=request.user, days=3)[:10])
    return render(request, "fieldwork/my_day.html", {"day": day, "recent": recent})


def _visit_context(request, *, household=None, organisation=None, form=None):
    categories = list(Category.objects.filter(is_active=True, is_rewarded=False).order_by("name"))
    programmes = (
        list(selectors.programmes_for(request.user).filter(ends_on__gte=clock.today()))[:20]
        if user_can(request.user, "fieldwork.programmes")
        else []
    )
    target = household or organisation
    form = form or VisitForm(programmes=programmes, initial={"idempotency_key": uuid.uuid4()})
    context = {
        "form": form,
        "categories": categories,
        "target": target,
        "household": household,
        "organisation": organisation,
        "can_confirm": user_can(request.user, "registry.edit"),
        "visits": selectors.household_visits(user=request.user, household=household)
        if household
        else Visit.objects.filter(organisation=organisation)
        .select_related("visitor")
        .prefetch_related("cases")  # each visit lists the cases it raised
        .order_by("-visited_at")[:20],
    }
    if household is not None:
        context["card"] = household_card(user=request.user, household=household)
    return context, programmes


@require_GET
@require_action("fieldwork.visit")
def household(request, household_id: int):
    item = found_or_404(selectors.access_household, user=request.user, household_id=household_id)
    context, _programmes = _visit_context(request, household=item)
    return render(request, "fieldwork/visit.html", context)


@require_GET
@require_action("fieldwork.visit")
def organisation(request, organisation_id: int):
    item = found_or_404(
        access_organisation, user=request.user, organisation_id=organisation_id, action="fieldwork.visit"
    )
    context, _programmes = _visit_context(request, organisation=item)
    return render(request, "fieldwork/visit.html", context)


def _problems(request, categories) -> list:
    by_id = {str(c.pk): c for c in categories}
    pairs = zip(
        request.POST.getlist("problem_category"), request.POST.getlist("problem_description"), strict=False
    )
    return [(by_id.get(c), d) for c, d in pairs if (c or d.strip())]


@require_POST
@require_action("fieldwork.visit")
def visit_create(request, household_id: int | None = None, organisation_id: int | None = None):
    """Record a visit (from the page or replayed from the offline queue; JSON answer when asked)."""
    if household_id is not None:
        target = {
            "household": found_or_404(
                selectors.access_household, user=request.user, household_id=household_id
            )
        }
    else:
        target = {
            "organisation": found_or_404(
                access_organisation,
                user=request.user,
                organisation_id=organisation_id,
                action="fieldwork.visit",
            )
        }
    context, programmes = _visit_context(request, **target, form=None)
    form = VisitForm(request.POST, request.FILES, programmes=programmes)
    if form.is_valid():
        data = form.cleaned_data
        try:
            visit, created = services.visit_record(
                actor=request.user,
                **target,
                visited_at=data["visited_at"],
                met=data["met"],
                companions=data["companions"],
                lat=data["lat"],
                lng=data["lng"],
                accuracy_m=data["accuracy"],
                notes=data["notes"],
                photos=data["photos"],
                confirm_data=data["confirm_data"],
                problems=_problems(request, context["categories"]),
                programme=next((p for p in programmes if p.pk == data["programme"]), None),
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            if _wants_json(request):
                return JsonResponse({"code": "validation_error", "errors": _errors(error)}, status=422)
            add_service_errors(form, error)
        else:
            numbers = [c.number for c in visit.cases.all()]
            if _wants_json(request):
                return JsonResponse(
                    {"id": visit.pk, "created": created, "cases": numbers}, status=201 if created else 200
                )
            message = _("走访已记录。") if created else _("该走访此前已提交，未重复记录。")
            if numbers:
                message += " " + _("已上报问题：%(numbers)s。") % {"numbers": "、".join(numbers)}
            messages.success(request, message)
            return redirect(request.path.removesuffix("visit/"))
    elif _wants_json(request):
        return JsonResponse({"code": "validation_error", "errors": form.errors.get_json_data()}, status=422)
    context["form"] = form
    return render(request, "fieldwork/visit.html", context, status=422)


# ---------------------------------------------------------------- offline support


@login_not_required
@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    return HttpResponse(
        render_to_string("fieldwork/sw.js", request=None),
        content_type="application/javascript; charset=utf-8",
    )


@login_not_required
@require_GET
def manifest(request):
    return HttpResponse(
        render_to_string("fieldwork/manifest.webmanifest"),
        content_type="application/manifest+json; charset=utf-8",
    )


@require_GET
def offline(request):
    return render(request, "fieldwork/offline.html")


# ---------------------------------------------------------------- policy library


@require_GET
@require_action("fieldwork.policy")
def policy(request):
    query = request.GET.get("q", "").strip()
    line = request.GET.get("line", "")
    items = selectors.items_search(user=request.user, query=query, line=line)
    context = {"items": items, "q": query, "line": line, "lines": selectors.lines()}
    template = "fieldwork/partials/policy_results.html" if request.htmx else "fieldwork/policy.html"
    return render(request, template, context)


def _consult_form(request, data=None):
    grids = list(selectors.consultation_grids(request.user)[:200])
    categories = list(Category.objects.filter(is_active=True, is_rewarded=False).order_by("name"))
    initial = {"idempotency_key": uuid.uuid4(), "grid": grids[0].pk if grids else None}
    return ConsultationForm(data, grids=grids, categories=categories, initial=initial), grids, categories


@require_GET
@require_action("fieldwork.policy")
def item(request, item_id: int):
    found = found_or_404(selectors.access_item, user=request.user, item_id=item_id)
    form, _grids, _categories = (
        _consult_form(request) if user_can(request.user, "fieldwork.consult") else (None,) * 3
    )
    return render(request, "fieldwork/item.html", {"item": found, "form": form})


@require_POST
@require_action("fieldwork.consult")
def consult(request, item_id: int):
    found = found_or_404(selectors.access_item, user=request.user, item_id=item_id)
    form, grids, categories = _consult_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            consultation, _created = services.consultation_record(
                actor=request.user,
                grid=next(g for g in grids if g.pk == data["grid"]),
                item=found,
                asker_name=data["asker_name"],
                asker_phone=data["asker_phone"],
                question=data["question"],
                answer=data["answer"],
                case_category=next((c for c in categories if c.pk == data["case_category"]), None),
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _("咨询已登记。")
            if consultation.case_id:
                message += " " + _("已转为问题 %(number)s。") % {"number": consultation.case.number}
            messages.success(request, message)
            return redirect("fieldwork:item", found.pk)
    return render(request, "fieldwork/item.html", {"item": found, "form": form}, status=422)


@require_action("fieldwork.policy_manage")
def policy_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.items_import(actor=request.user, file_name=upload.name, content=upload.read())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("导入完成：新增 %(created)d 项，更新 %(updated)d 项。") % result)
            return redirect("fieldwork:policy")
    status = 422 if request.method == "POST" else 200
    return render(request, "fieldwork/policy_import.html", {"form": form, "result": result}, status=status)


# ---------------------------------------------------------------- case studies

MARKDOWN_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
}


def render_markdown(text: str) -> str:
    """Markdown to HTML, then only harmless tags kept (no links, images, scripts or attributes)."""
    return nh3.clean(markdown.markdown(text, extensions=["extra"]), tags=MARKDOWN_TAGS, attributes={})


@require_GET
@require_action("fieldwork.studies")
def studies(request):
    query, tag = request.GET.get("q", ""), request.GET.get("tag", "")
    page = Paginator(selectors.studies_for(request.user, query=query, tag=tag), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "fieldwork/studies.html", {"page": page, "q": query, "tag": tag})


@require_action("fieldwork.studies")
def study_new(request):
    communities = selectors.study_communities(request.user)
    form = StudyForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = None
        if data["case_number"]:
            case = cases_for(request.user).filter(number=data["case_number"].strip()).first()
            if case is None:
                form.add_error("case_number", _("未找到该问题，或您无权查看。"))
        if not form.errors:
            try:
                study = services.study_create(
                    actor=request.user,
                    community=next(c for c in communities if c.pk == data["community"]),
                    title=data["title"],
                    body=data["body"],
                    tags=data["tags"],
                    case=case,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("案例已发布。"))
                return redirect("fieldwork:study", study.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "fieldwork/study_new.html", {"form": form}, status=status)


def _study_page(request, study, form=None, status=200):
    context = {
        "study": study,
        "body_html": render_markdown(study.body),
        "form": form or CommentForm(),
        "can_pin": user_can(request.user, "fieldwork.studies_pin")
        and study.community.path.startswith(tuple(u.path for u in selectors.pin_units(request.user))),
    }
    return render(request, "fieldwork/study.html", context, status=status)


@require_GET
@require_action("fieldwork.studies")
def study(request, study_id: int):
    return _study_page(request, found_or_404(selectors.access_study, user=request.user, study_id=study_id))


@require_POST
@require_action("fieldwork.studies")
def study_comment(request, study_id: int):
    found = found_or_404(selectors.access_study, user=request.user, study_id=study_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.study_comment(actor=request.user, study=found, body=form.cleaned_data["body"])
        messages.success(request, _("评论已发表。"))
        return redirect("fieldwork:study", found.pk)
    return _study_page(request, found, form=form, status=422)


@require_POST
@require_action("fieldwork.studies_pin")
def study_pin(request, study_id: int):
    found = found_or_404(selectors.access_study, user=request.user, study_id=study_id)
    pinned = request.POST.get("pinned") == "1"
    try:
        services.study_pin(actor=request.user, study=found, pinned=pinned)
    except Forbidden:  # another community's study: the role may pin, but not there
        raise PermissionDenied from None
    messages.success(request, _("已置顶。") if pinned else _("已取消置顶。"))
    return redirect("fieldwork:study", found.pk)


# ---------------------------------------------------------------- work log


@require_action("fieldwork.worklog")
def worklog(request):
    units = selectors.worklog_units(request.user)
    cases = list(my_cases(user=request.user)[:30])
    visits = list(selectors.my_visits(user=request.user, days=7)[:30])
    form = WorkLogForm(
        request.POST or None,
        units=units,
        cases=cases,
        visits=visits,
        initial={"day": clock.today(), "unit": units[0].pk if units else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.worklog_add(
                actor=request.user,
                unit=next(u for u in units if u.pk == data["unit"]),
                day=data["day"],
                body=data["body"],
                cases=Case.objects.filter(pk__in=[c["id"] for c in cases if c["id"] in data["cases"]]),
                visits=[v for v in visits if v.pk in data["visits"]],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("日志已保存。"))
            return redirect("fieldwork:worklog")
    author = request.GET.get("author")
    entries = selectors.worklog_for(request.user, author_id=int(author) if (author or "").isdigit() else None)
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "page": page, "reader": user_can(request.user, "fieldwork.worklog_read")}
    return render(request, "fieldwork/worklog.html", context, status=status)


# ---------------------------------------------------------------- programmes


@require_action("fieldwork.programmes")
def programmes(request):
    form = None
    if user_can(request.user, "fieldwork.programmes_manage"):
        units = selectors.programme_units(request.user)
        groups = list(ServiceGroup.objects.all())
        form = ProgrammeForm(request.POST or None, units=units, groups=groups)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                programme = services.programme_create(
                    actor=request.user,
                    unit=next(u for u in units if u.pk == data["unit"]),
                    name=data["name"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    groups=[g for g in groups if g.pk in data["groups"]],
                    visits_per_target=data["visits_per_target"],
                    description=data["description"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("走访计划已创建。"))
                return redirect("fieldwork:programme", programme.pk)
    elif request.method == "POST":
        raise Http404
    items = selectors.programmes_for(request.user).order_by("-starts_on")[:50]
    status = 422 if request.method == "POST" else 200
    return render(request, "fieldwork/programmes.html", {"form": form, "programmes": items}, status=status)


@require_GET
@require_action("fieldwork.programmes")
def programme(request, programme_id: int):
    found = found_or_404(selectors.access_programme, user=request.user, programme_id=programme_id)
    grids, workers = selectors.programme_progress(user=request.user, programme=found)
    return render(
        request, "fieldwork/programme.html", {"programme": found, "grids": grids, "workers": workers}
    )
