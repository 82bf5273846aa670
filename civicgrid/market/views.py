"""Pages of 跳蚤市场与微商圈: the market and its moderation, and the business circle's search."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.errors import DomainError
from civicgrid.core.forms import add_service_errors, run_service
from civicgrid.core.shortcuts import acted, found_or_404
from civicgrid.org.decorators import require_action
from civicgrid.org.selectors import user_can

from . import selectors, services
from .choices import CATEGORY_HINTS, ListingStatus, MerchantCategory, MerchantStatus
from .forms import (
    ContactForm,
    ListingEditForm,
    ListingForm,
    MerchantForm,
    ReasonForm,
    ReportForm,
    SearchForm,
    StaffMerchantForm,
)
from .geo import format_distance, haversine_m


def _error_text(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error.message)


def _back(request, default: str):
    """Return to the page the form was posted from when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


# ---------------------------------------------------------------- the flea market


@require_GET
@require_action("market.browse")
def listings(request):
    communities = selectors.listing_communities(request.user)
    try:
        community_id = int(request.GET.get("community") or 0) or None
    except ValueError:
        community_id = None
    if community_id is not None and community_id not in {c.pk for c in communities}:
        community_id = None
    free = request.GET.get("free") == "1"
    rows = selectors.published_listings(user=request.user, community_id=community_id, free=free)
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "covers": selectors.first_photos(page),
        "communities": communities,
        "community_id": community_id,
        "free": free,
        "can_list": user_can(request.user, "market.list"),
    }
    template = "market/partials/listing_rows.html" if request.htmx else "market/listings.html"
    return render(request, template, context)


def _detail(request, listing, *, status: int = 200, **forms):
    user = request.user
    is_seller = listing.seller_id == user.pk
    can_moderate = user_can(user, "market.moderate") and selectors.can_moderate_listing(user, listing)
    on_sale = listing.status == ListingStatus.PUBLISHED
    context = {
        "listing": listing,
        "photos": listing.photos.all(),
        "is_seller": is_seller,
        "can_moderate": can_moderate,
        "can_contact": on_sale and not is_seller,
        "seller_name": services.masked_name(listing.seller),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "report_form": forms.get("report_form") or ReportForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "reports": selectors.open_reports(listing) if can_moderate else [],
    }
    return render(request, "market/listing.html", context, status=status)


@require_GET
@require_action("market.browse")
def listing(request, listing_id: int):
    item = found_or_404(selectors.access_listing, user=request.user, listing_id=listing_id)
    return _detail(request, item)


@require_action("market.list")
def listing_new(request):
    form = ListingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = run_service(
            form,
            lambda: services.listing_create(
                actor=request.user,
                title=data["title"],
                description=data["description"],
                price=data["price"],
                photos=data["photos"],
            ),
        )
        if not form.errors:
            messages.success(request, _("已提交，社区审核通过后即可在跳蚤市场看到。"))
            return redirect("market:listing", item.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "market/listing_new.html", {"form": form}, status=status)


@require_action("market.list")
def listing_edit(request, listing_id: int):
    """The seller corrects a listing; it goes back to the community's moderation."""
    item = found_or_404(selectors.access_own_listing, user=request.user, listing_id=listing_id)
    initial = {
        "title": item.title,
        "description": item.description,
        "price": "" if item.price is None else item.price,
    }
    form = ListingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        run_service(
            form,
            lambda: services.listing_update(
                actor=request.user,
                listing=item,
                title=data["title"],
                description=data["description"],
                price=data["price"],
            ),
        )
        if not form.errors:
            messages.success(request, _("已保存，修改后的物品经社区审核后重新上架。"))
            return redirect("market:mine")
    status = 422 if request.method == "POST" else 200
    return render(request, "market/listing_edit.html", {"form": form, "item": item}, status=status)


@require_GET
@require_action("market.list")
def my_listings(request):
    page = Paginator(selectors.my_listings(request.user), 20).get_page(request.GET.get("page"))
    context = {"page": page, "covers": selectors.first_photos(page), "editable": services.EDITABLE_LISTING}
    return render(request, "market/mine.html", context)


@require_POST
@require_action("market.list")
def listing_sold(request, listing_id: int):
    item = found_or_404(selectors.access_listing, user=request.user, listing_id=listing_id)
    acted(request, lambda: services.listing_mark_sold(actor=request.user, listing=item), _("已标记为售出。"))
    return _back(request, "market:mine")


@require_POST
@require_action("market.browse")
def listing_report(request, listing_id: int):
    item = found_or_404(selectors.access_listing, user=request.user, listing_id=listing_id)
    form = ReportForm(request.POST)
    if form.is_valid():
        run_service(
            form,
            lambda: services.listing_report(
                actor=request.user, listing=item, reason=form.cleaned_data["reason"]
            ),
        )
        if not form.errors:
            messages.success(request, _("感谢举报，社区工作人员会尽快核实。"))
            return redirect("market:listing", item.pk)
    return _detail(request, item, status=422, report_form=form)


@require_POST
@require_action("market.browse")
def listing_contact(request, listing_id: int):
    item = found_or_404(selectors.access_listing, user=request.user, listing_id=listing_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        run_service(
            form,
            lambda: services.listing_contact(
                actor=request.user, listing=item, message=form.cleaned_data["message"]
            ),
        )
        if not form.errors:
            messages.success(request, _("留言已发送到卖家的消息中心。"))
            return redirect("market:listing", item.pk)
    return _detail(request, item, status=422, contact_form=form)


# ---------------------------------------------------------------- moderation


@require_GET
@require_action("market.moderate")
def moderation(request):
    context = {
        "listings": list(selectors.moderation_listings(request.user)[:100]),
        "merchants": list(selectors.pending_merchants(request.user)[:100]),
        "form": ReasonForm(),
    }
    context["covers"] = selectors.first_photos(context["listings"])
    return render(request, "market/moderation.html", context)


MODERATION = {
    "publish": (
        lambda item, actor, reason: services.listing_publish(actor=actor, listing=item),
        gettext_lazy("已上架。"),
    ),
    "refuse": (
        lambda item, actor, reason: services.listing_refuse(actor=actor, listing=item, reason=reason),
        gettext_lazy("已退回卖家。"),
    ),
    "hide": (
        lambda item, actor, reason: services.listing_hide(actor=actor, listing=item, reason=reason),
        gettext_lazy("已下架。"),
    ),
    "dismiss": (
        lambda item, actor, reason: services.listing_reports_dismiss(actor=actor, listing=item),
        gettext_lazy("举报已驳回，物品继续在售。"),
    ),
}


@require_POST
@require_action("market.moderate")
def listing_moderate(request, listing_id: int):
    item = found_or_404(selectors.access_moderated_listing, user=request.user, listing_id=listing_id)
    action = MODERATION.get(request.POST.get("decision", ""))
    if action is None:
        raise Http404
    act, done = action
    try:
        act(item, request.user, request.POST.get("reason", ""))
    except (ValidationError, DomainError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done)
    return _back(request, "market:moderation")


# ---------------------------------------------------------------- the business circle


def _origin(request, form: SearchForm):
    """The point to search from: the browser's position when the page sent one, else home."""
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("lat") is not None and data.get("lng") is not None:
        return selectors.Origin(data["lat"], data["lng"], "here")
    return selectors.home_origin(request.user)


ORIGIN_LABELS = {
    "home": gettext_lazy("以您家（登记住址）为中心"),
    "community": gettext_lazy("以您所在社区为中心"),
    "unit": gettext_lazy("以您所在单位的辖区为中心"),
    "here": gettext_lazy("以您的当前位置为中心"),
}


@require_GET
@require_action("market.browse")
def merchants(request):
    form = SearchForm(request.GET or None)
    origin = _origin(request, form)
    nearby, status = None, 200
    if form.is_bound and not form.is_valid():
        status = 422
    elif origin is not None:
        data = form.cleaned_data if form.is_bound else {}
        try:
            nearby = selectors.merchants_near(
                user=request.user,
                lat=origin.lat,
                lng=origin.lng,
                radius_m=data.get("radius") or selectors.DEFAULT_RADIUS_M,
                category=data.get("category") or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            status = 422
    category = form.cleaned_data.get("category", "") if form.is_bound and form.is_valid() else ""
    radius = (form.cleaned_data.get("radius") if form.is_bound and form.is_valid() else None) or (
        selectors.DEFAULT_RADIUS_M
    )
    context = {
        "form": form,
        "origin": origin,
        "origin_label": ORIGIN_LABELS.get(origin.source, "") if origin else "",
        "nearby": nearby,
        "rows": [(n.merchant, format_distance(n.distance_m)) for n in nearby.items] if nearby else [],
        "categories": [(value, label, CATEGORY_HINTS[value]) for value, label in MerchantCategory.choices],
        "category": category,
        "radius": radius,
        "radius_label": format_distance(radius),
        "here": origin is not None and origin.source == "here",
        "is_merchant": selectors.is_merchant_account(request.user),
    }
    template = "market/partials/merchant_results.html" if request.htmx else "market/merchants.html"
    return render(request, template, context, status=status)


@require_GET
@require_action("market.browse")
def merchant(request, merchant_id: int):
    item = found_or_404(selectors.access_merchant, user=request.user, merchant_id=merchant_id)
    form = SearchForm(request.GET or None)
    origin = _origin(request, form)
    distance = (
        format_distance(haversine_m(origin.lat, origin.lng, item.lat, item.lng)) if origin is not None else ""
    )
    context = {
        "merchant": item,
        "distance": distance,
        "origin_label": ORIGIN_LABELS.get(origin.source, "") if origin else "",
        "can_edit": item.owner_id == request.user.pk
        or (
            user_can(request.user, "market.moderate")
            and item.community_id in selectors.moderated_community_ids(request.user)
        ),
    }
    return render(request, "market/merchant.html", context)


# ---------------------------------------------------------------- merchants: staff and owners


@require_GET
@require_action("market.moderate")
def staff_merchants(request):
    status = request.GET.get("status", "")
    query = request.GET.get("q", "")
    rows = selectors.staff_merchants(user=request.user, status=status, query=query)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "q": query,
        "statuses": MerchantStatus.choices,
        "form": ReasonForm(),
    }
    return render(request, "market/staff_merchants.html", context)


def _merchant_form_page(request, *, merchant=None):
    communities = selectors.staff_communities(request.user)
    owners = selectors.merchant_owner_choices(request.user)
    initial = {}
    if merchant is not None:
        initial = {field: getattr(merchant, field) for field in services.MERCHANT_FIELDS}
        initial |= {"community": merchant.community_id, "owner": merchant.owner_id}
    form = StaffMerchantForm(request.POST or None, initial=initial, communities=communities, owners=owners)
    if merchant is not None:
        # The community and the account of an existing entry stay as they are.
        del form.fields["community"], form.fields["owner"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {field: data[field] for field in services.MERCHANT_FIELDS}
        try:
            if merchant is None:
                owner = None
                if data["owner"] is not None:
                    owner = _owner(data["owner"], owners)
                merchant = services.merchant_create(
                    actor=request.user,
                    community=next(c for c in communities if c.pk == data["community"]),
                    owner=owner,
                    **fields,
                )
            else:
                services.merchant_update(actor=request.user, merchant=merchant, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("商户信息已保存。"))
            return redirect("market:merchant", merchant.pk)
    context = {
        "form": form,
        "merchant": merchant,
        "geojson": json.dumps(selectors.community_boundaries([c.pk for c in communities])),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "market/staff_merchant_form.html", context, status=status)


def _owner(owner_id: int, owners):
    from django.contrib.auth import get_user_model

    if owner_id not in {o.pk for o in owners}:
        raise ValidationError({"owner": [_("请选择本社区已确认的商户账号。")]})
    return get_user_model().objects.get(pk=owner_id)


@require_action("market.moderate")
def staff_merchant_new(request):
    return _merchant_form_page(request)


@require_action("market.moderate")
def staff_merchant_edit(request, merchant_id: int):
    item = found_or_404(selectors.access_staff_merchant, user=request.user, merchant_id=merchant_id)
    return _merchant_form_page(request, merchant=item)


@require_POST
@require_action("market.moderate")
def merchant_decide(request, merchant_id: int):
    item = found_or_404(selectors.access_staff_merchant, user=request.user, merchant_id=merchant_id)
    confirm = request.POST.get("decision") == "confirm"
    try:
        services.merchant_decide(
            actor=request.user, merchant=item, confirm=confirm, reason=request.POST.get("reason", "")
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已发布到微商圈。") if confirm else _("已退回商户。"))
    return _back(request, "market:moderation")


@require_POST
def merchant_active(request, merchant_id: int):
    """Open or close an entry: the community's moderators, or the merchant's own account."""
    own = selectors.my_merchant(request.user)
    if own is not None and own.pk == merchant_id:
        item = own
    elif user_can(request.user, "market.moderate"):
        item = found_or_404(selectors.access_staff_merchant, user=request.user, merchant_id=merchant_id)
    else:
        raise PermissionDenied
    is_active = request.POST.get("is_active") == "1"
    try:
        services.merchant_set_active(
            actor=request.user, merchant=item, is_active=is_active, reason=request.POST.get("reason", "")
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已恢复营业。") if is_active else _("已停用，不再出现在微商圈。"))
    return _back(request, "market:staff_merchants" if own is None else "market:my_merchant")


@require_action("market.merchant")
def my_merchant(request):
    """A merchant account registers its own entry (moderated), then keeps it up to date."""
    if not selectors.is_merchant_account(request.user):
        raise PermissionDenied
    entry = selectors.my_merchant(request.user)
    initial = {field: getattr(entry, field) for field in services.MERCHANT_FIELDS} if entry else {}
    form = MerchantForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {field: form.cleaned_data[field] for field in services.MERCHANT_FIELDS}
        try:
            if entry is None:
                services.merchant_create(actor=request.user, **fields)
                messages.success(request, _("已提交，社区审核通过后将出现在微商圈。"))
            else:
                services.merchant_update(actor=request.user, merchant=entry, **fields)
                messages.success(request, _("商户信息已保存。"))
        except ValidationError as error:
            add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            return redirect("market:my_merchant")
    community = selectors.merchant_community(request.user)
    context = {
        "form": form,
        "merchant": entry,
        "geojson": json.dumps(selectors.community_boundaries([community.pk] if community else [])),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "market/my_merchant.html", context, status=status)
