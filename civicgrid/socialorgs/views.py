"""Pages of 社会组织: browse and join (residents), run an organisation (its admin), oversee (community)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.errors import DomainError
from civicgrid.core.forms import add_service_errors
from civicgrid.core.shortcuts import acted, found_or_404
from civicgrid.org.decorators import require_action
from civicgrid.org.selectors import user_can

from . import selectors, services
from .choices import JoinStatus, SocialOrgCategory, SocialOrgStatus
from .forms import AdminForm, JoinForm, PhotosForm, ProfileForm, ReasonForm, RegisterForm, StaffCreateForm

PAGE_SIZE = 24


def require_manager(view):
    """The admin pages: for accounts that run an organisation or oversee some; 403 for anyone else."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.manages_any(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _failure(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error.message)


def found_or_403(getter, *args, **kwargs):
    """Staff pages for a role that oversees no unit: 403, as for a role without the action."""
    try:
        return getter(*args, **kwargs)
    except DomainError as failure:
        if failure.status == 403:
            raise PermissionDenied from None
        raise


# ---------------------------------------------------------------- residents and visitors


@login_not_required
@require_GET
def browse(request):
    """Organisations by category as cards; htmx swaps only the cards when a tab or filter changes."""
    category = request.GET.get("category", "")
    if category not in SocialOrgCategory.values:
        category = ""
    try:
        community = int(request.GET.get("community") or 0) or None
    except ValueError:
        community = None
    rows = selectors.public_orgs(category=category, community_id=community)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "category": category,
        "categories": SocialOrgCategory.choices,
        "community": community,
        "communities": selectors.browse_communities(),
        "can_register": selectors.can_register(request.user),
    }
    template = "socialorgs/partials/cards.html" if request.htmx else "socialorgs/browse.html"
    return render(request, template, context)


def _join_box(request, org, *, form=None, error: str = "", status: int = 200):
    context = {
        "org": org,
        "mine": selectors.my_request(user=request.user, org=org),
        "can_join": user_can(request.user, "socialorgs.join"),
        "form": form or JoinForm(),
        "error": error,
    }
    return render(request, "socialorgs/partials/join_box.html", context, status=status)


@login_not_required
@require_GET
def detail(request, org_id: int):
    org = found_or_404(selectors.access_org, user=request.user, org_id=org_id)
    context = {
        "org": org,
        "photos": selectors.photos(org)[:60],
        "mine": selectors.my_request(user=request.user, org=org),
        "can_join": user_can(request.user, "socialorgs.join"),
        "is_admin": selectors.is_admin(request.user, org),
        "is_staff_manager": selectors.is_staff_manager(request.user, org.unit),
        "form": JoinForm(),
    }
    return render(request, "socialorgs/detail.html", context)


@require_POST
@require_action("socialorgs.join")
def join(request, org_id: int):
    org = found_or_404(selectors.access_org, user=request.user, org_id=org_id)
    form = JoinForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.join_request_create(actor=request.user, org=org, message=form.cleaned_data["message"])
        except ValidationError as failure:
            add_service_errors(form, failure)
        except DomainError as failure:
            error = str(failure.message)
        else:
            if request.htmx:
                return _join_box(request, org)
            messages.success(request, _("申请已提交，请等待组织管理员审核。"))
            return redirect("socialorgs:detail", org.pk)
    error = error or " ".join(str(m) for errors in form.errors.values() for m in errors)
    if request.htmx:
        return _join_box(request, org, form=form, error=error, status=422)
    messages.error(request, error)
    return redirect("socialorgs:detail", org.pk)


@require_POST
def leave(request, org_id: int):
    """Leave, or withdraw a request still waiting."""
    org = found_or_404(selectors.access_joined_org, user=request.user, org_id=org_id)
    try:
        left = services.member_leave(actor=request.user, org=org)
    except DomainError as failure:
        if request.htmx:
            return _join_box(request, org, error=str(failure.message), status=422)
        messages.error(request, str(failure.message))
    else:
        if request.htmx:
            return _join_box(request, org)
        messages.success(
            request, _("已退出该组织。") if left.status == JoinStatus.LEFT else _("申请已撤回。")
        )
    if request.POST.get("next") == "mine":
        return redirect("socialorgs:mine")
    return redirect("socialorgs:detail", org.pk)


@require_GET
def mine(request):
    """My organisations: those I belong to or asked to join, and those I run."""
    context = {
        "requests": selectors.my_requests(request.user)[:100],
        "orgs": selectors.my_orgs(request.user),
        "can_register": selectors.can_register(request.user),
    }
    return render(request, "socialorgs/mine.html", context)


@require_action("socialorgs.manage")
def register(request):
    """An organisation account confirmed by its community registers its own organisation."""
    unit = selectors.registration_unit(request.user)
    if unit is None:
        raise PermissionDenied
    initial = {"name": selectors.registration_name(request.user)}
    form = RegisterForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.socialorg_create(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as failure:
            add_service_errors(form, failure)
        except DomainError as failure:
            form.add_error(None, str(failure.message))
        else:
            messages.success(request, _("已提交，社区确认后将在社会组织板块展示。"))
            return redirect("socialorgs:manage", org.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "socialorgs/register.html", {"form": form, "unit": unit}, status=status)


# ---------------------------------------------------------------- the organisation's admin


def _admin_org(request, org_id: int):
    return found_or_404(selectors.access_admin_org, user=request.user, org_id=org_id)


@require_GET
@require_manager
def manage(request, org_id: int):
    """The admin's page: requests to decide, members, photos and the page's text."""
    org = _admin_org(request, org_id)
    if not selectors.is_admin(request.user, org):
        return redirect("socialorgs:staff_org", org.pk)  # community staff oversee it from their page
    return _manage(request, org)


def _manage(request, org, *, photos_form=None, status: int = 200):
    context = {
        "org": org,
        "pending": selectors.join_requests(org)[:200],
        "members": selectors.members(org)[:500],
        "photos": selectors.photos(org),
        "photos_form": photos_form or PhotosForm(),
        "reason_form": ReasonForm(),
    }
    return render(request, "socialorgs/manage.html", context, status=status)


@require_POST
@require_manager
def decide(request, org_id: int, request_id: int):
    """Accept or refuse a request (htmx: the row shows the outcome in place)."""
    org = _admin_org(request, org_id)
    row = found_or_404(selectors.access_join_request, user=request.user, request_id=request_id)
    if row.org_id != org.pk:
        raise Http404
    accept = request.POST.get("decision") == "accept"
    try:
        row = services.join_request_decide(
            actor=request.user, join_request=row, accept=accept, reason=request.POST.get("reason", "")
        )
    except (ValidationError, DomainError) as failure:
        if isinstance(failure, DomainError) and failure.status == 403:
            raise PermissionDenied from None
        if request.htmx:
            context = {"org": org, "r": row, "error": _failure(failure)}
            return render(request, "socialorgs/partials/request_row.html", context, status=422)
        messages.error(request, _failure(failure))
    else:
        if request.htmx:
            return render(request, "socialorgs/partials/request_row.html", {"org": org, "r": row})
        messages.success(request, _("已同意加入。") if accept else _("已拒绝该申请。"))
    return redirect("socialorgs:manage", org.pk)


@require_POST
@require_manager
def member_remove(request, org_id: int, request_id: int):
    org = _admin_org(request, org_id)
    row = found_or_404(selectors.access_join_request, user=request.user, request_id=request_id)
    if row.org_id != org.pk:
        raise Http404
    try:
        services.member_remove(actor=request.user, join_request=row, reason=request.POST.get("reason", ""))
    except (ValidationError, DomainError) as failure:
        if isinstance(failure, DomainError) and failure.status == 403:
            raise PermissionDenied from None
        messages.error(request, _failure(failure))
    else:
        messages.success(request, _("已将该成员移出。"))
    return redirect("socialorgs:manage", org.pk)


@require_POST
@require_manager
def photos_add(request, org_id: int):
    org = _admin_org(request, org_id)
    form = PhotosForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.photos_add(actor=request.user, org=org, **form.cleaned_data)
        except ValidationError as failure:
            add_service_errors(form, failure)
        except DomainError as failure:
            if failure.status == 403:
                raise PermissionDenied from None
            form.add_error(None, str(failure.message))
        else:
            messages.success(request, _("已上传 %(n)s 张照片。") % {"n": len(added)})
            return redirect("socialorgs:manage", org.pk)
    return _manage(request, org, photos_form=form, status=422)


@require_POST
@require_manager
def photo_delete(request, org_id: int, photo_id: int):
    org = _admin_org(request, org_id)
    photo = found_or_404(selectors.access_photo, user=request.user, org=org, photo_id=photo_id)
    try:
        services.photo_delete(actor=request.user, photo=photo)
    except DomainError as failure:
        if failure.status == 403:
            raise PermissionDenied from None
        messages.error(request, str(failure.message))
    else:
        messages.success(request, _("照片已删除。"))
    if selectors.is_admin(request.user, org):
        return redirect("socialorgs:manage", org.pk)
    return redirect("socialorgs:staff_org", org.pk)


@require_manager
def edit(request, org_id: int):
    """Edit the introduction, specialities, contact and logo."""
    org = _admin_org(request, org_id)
    initial = {
        "category": org.category,
        "introduction": org.introduction,
        "specialities": org.specialities,
        "contact_name": org.contact_name,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.socialorg_update(
                actor=request.user,
                org=org,
                category=data["category"],
                introduction=data["introduction"],
                specialities=data["specialities"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"] or None,
                logo=data["logo"],
            )
        except ValidationError as failure:
            add_service_errors(form, failure)
        except DomainError as failure:
            if failure.status == 403:
                raise PermissionDenied from None
            form.add_error(None, str(failure.message))
        else:
            messages.success(request, _("已保存。"))
            if selectors.is_admin(request.user, org):
                return redirect("socialorgs:manage", org.pk)
            return redirect("socialorgs:staff_org", org.pk)
    status = 422 if request.method == "POST" else 200
    base = "portal/base.html" if selectors.is_admin(request.user, org) else "staff/base.html"
    return render(request, "socialorgs/edit.html", {"form": form, "org": org, "base": base}, status=status)


# ---------------------------------------------------------------- community staff

STAFF_FILTERS = [
    ("", gettext_lazy("全部")),
    (SocialOrgStatus.PENDING, gettext_lazy("待确认")),
    (SocialOrgStatus.CONFIRMED, gettext_lazy("已确认")),
    ("inactive", gettext_lazy("已停用")),
    (SocialOrgStatus.REFUSED, gettext_lazy("未通过")),
]


@require_GET
@require_action("socialorgs.manage")
def staff_orgs(request):
    status = request.GET.get("status", "")
    rows = found_or_403(selectors.staff_orgs, request.user, status=status)
    context = {
        "page": Paginator(rows, 30).get_page(request.GET.get("page")),
        "status": status,
        "filters": STAFF_FILTERS,
        "counts": selectors.staff_counts(request.user),
        "reason_form": ReasonForm(),
    }
    return render(request, "socialorgs/staff_orgs.html", context)


@require_action("socialorgs.manage")
def staff_create(request):
    units = found_or_403(selectors.staff_units, request.user)
    form = StaffCreateForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = next(u for u in units if u.pk == data.pop("unit"))
        try:
            org = services.socialorg_create(actor=request.user, unit=unit, **data)
        except ValidationError as failure:
            add_service_errors(form, failure)
        except DomainError as failure:
            form.add_error(None, str(failure.message))
        else:
            messages.success(request, _("已登记，组织已在社会组织板块展示。"))
            return redirect("socialorgs:staff_org", org.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "socialorgs/staff_create.html", {"form": form}, status=status)


def _staff_org(request, org_id: int):
    found_or_403(selectors.staff_scope, request.user)
    return found_or_404(selectors.access_staff_org, user=request.user, org_id=org_id)


@require_GET
@require_action("socialorgs.manage")
def staff_org(request, org_id: int):
    org = _staff_org(request, org_id)
    context = {
        "org": org,
        "members": selectors.members(org)[:500],
        "pending": selectors.join_requests(org)[:200],
        "photos": selectors.photos(org),
        "reason_form": ReasonForm(),
        "admin_form": AdminForm(),
    }
    return render(request, "socialorgs/staff_org.html", context)


def _staff_action(request, org_id: int, action, success: str):
    org = _staff_org(request, org_id)
    acted(request, lambda: action(org), success)
    back = request.POST.get("next")
    return redirect("socialorgs:staff_orgs") if back == "list" else redirect("socialorgs:staff_org", org.pk)


@require_POST
@require_action("socialorgs.manage")
def staff_decide(request, org_id: int):
    confirm = request.POST.get("decision") == "confirm"
    return _staff_action(
        request,
        org_id,
        lambda org: services.socialorg_decide(
            actor=request.user, org=org, confirm=confirm, reason=request.POST.get("reason", "")
        ),
        _("已确认，组织已公开展示。") if confirm else _("已退回。"),
    )


@require_POST
@require_action("socialorgs.manage")
def staff_deactivate(request, org_id: int):
    return _staff_action(
        request,
        org_id,
        lambda org: services.socialorg_deactivate(
            actor=request.user, org=org, reason=request.POST.get("reason", "")
        ),
        _("已停用。"),
    )


@require_POST
@require_action("socialorgs.manage")
def staff_activate(request, org_id: int):
    return _staff_action(
        request,
        org_id,
        lambda org: services.socialorg_activate(actor=request.user, org=org),
        _("已重新启用。"),
    )


@require_POST
@require_action("socialorgs.manage")
def staff_set_admin(request, org_id: int):
    return _staff_action(
        request,
        org_id,
        lambda org: services.socialorg_set_admin(
            actor=request.user, org=org, admin_phone=request.POST.get("admin_phone", "")
        ),
        _("已更换组织管理员。"),
    )
