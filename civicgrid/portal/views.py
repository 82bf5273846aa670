"""Resident portal pages (verification, points, rewards) and the staff queues that serve them."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.audit.services import client_ip
from civicgrid.cases import services as case_services
from civicgrid.core import clock
from civicgrid.core.errors import DomainError
from civicgrid.core.forms import add_service_errors, run_service
from civicgrid.core.shortcuts import acted, found_or_404
from civicgrid.org.decorators import require_action
from civicgrid.org.selectors import path_q, user_can

from . import selectors, services
from .forms import (
    HideForm,
    NewsForm,
    PasswordResetForm,
    PublishForm,
    RefuseForm,
    ReplyForm,
    SignupForm,
    SignupPhoneForm,
    SuggestionForm,
    VerificationForm,
)
from .models import News, Publication


@require_action("portal.points")
def verify(request):
    form = VerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run_service(form, lambda: services.verification_request(user=request.user, **form.cleaned_data))
        if not form.errors:
            messages.success(request, _("已提交，等待网格员确认。"))
            return redirect("portal:verify")
    context = {"form": form, "latest": selectors.latest_verification(request.user)}
    return render(request, "portal/verify.html", context, status=422 if request.method == "POST" else 200)


@require_GET
@require_action("portal.points")
def points(request):
    context = {
        "balance": selectors.balance(request.user),
        "verified": services.is_verified(request.user),
        "rewards": selectors.rewards_for(request.user),
        "redemptions": selectors.my_redemptions(request.user)[:20],
        "page": Paginator(selectors.ledger(request.user), 30).get_page(request.GET.get("page")),
    }
    return render(request, "portal/points.html", context)


@require_POST
@require_action("portal.points")
def redeem(request, reward_id: int):
    reward = found_or_404(selectors.access_reward, user=request.user, reward_id=reward_id)
    try:
        services.redeem(user=request.user, reward=reward)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("兑换成功，请凭兑换记录到%(unit)s领取。") % {"unit": reward.unit.name})
    return redirect("portal:points")


@require_GET
@require_action("portal.verify")
def verifications(request):
    page = Paginator(selectors.verification_queue(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "portal/verifications.html", {"page": page, "form": RefuseForm()})


@require_POST
@require_action("portal.verify")
def verification_decide(request, verification_id: int):
    item = found_or_404(selectors.access_verification, user=request.user, verification_id=verification_id)
    return _decided(
        request,
        lambda **decision: services.verification_decide(verification=item, **decision),
        back="portal:verifications",
    )


def _decided(request, decide, *, back: str):
    """Confirm or refuse an item of a staff queue (the posted decision and reason), then go back to the
    queue with the outcome as a message."""
    confirm = request.POST.get("decision") == "confirm"
    acted(
        request,
        lambda: decide(actor=request.user, confirm=confirm, reason=request.POST.get("reason", "")),
        _("已确认。") if confirm else _("已退回。"),
    )
    return redirect(back)


@require_GET
@require_action("portal.rewards")
def redemptions(request):
    page = Paginator(selectors.redemptions_to_hand_over(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "portal/redemptions.html", {"page": page})


@require_POST
@require_action("portal.rewards")
def hand_over(request, redemption_id: int):
    item = found_or_404(selectors.access_redemption, user=request.user, redemption_id=redemption_id)
    try:
        services.redemption_hand_over(actor=request.user, redemption=item)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已登记领取。"))
    return redirect("portal:redemptions")


# ---------------------------------------------------------------- sign-up


def _code_step(request, phone_form, send, sent: str) -> tuple[str | None, int]:
    """The first step of sign-up and of password reset: text a code to the number. Gives the number
    once sent (else None, the errors on the form) and the status to answer with."""
    if not phone_form.is_valid():
        return None, 422
    phone = phone_form.cleaned_data["phone"]
    try:
        send(phone=phone, ip=client_ip(request))
    except ValidationError as error:
        add_service_errors(phone_form, error)
        return None, 422
    except DomainError as error:
        phone_form.add_error(None, str(error.message))
        return None, error.status
    messages.success(request, sent)
    return phone, 200


@login_not_required
def signup(request):
    """Two steps on one page: text me a code; then code, name, community and password."""
    communities = selectors.signup_communities()
    phone_form = SignupPhoneForm(
        request.POST if request.POST.get("step") == "code" else None, auto_id="send_%s"
    )
    form = SignupForm(request.POST if request.POST.get("step") == "create" else None, communities=communities)
    status = 200
    if phone_form.is_bound:
        phone, status = _code_step(
            request, phone_form, services.signup_send_code, _("验证码已发送，10 分钟内有效。")
        )
        if phone:
            form = SignupForm(initial={"phone": phone}, communities=communities)
    elif form.is_bound:
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.signup_complete(
                    phone=data["phone"],
                    code=data["code"],
                    full_name=data["full_name"],
                    password=data["password"],
                    community=next(c for c in communities if c.pk == data["community"]),
                    organisation_kind=data["organisation_kind"],
                    organisation_name=data["organisation_name"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                login(request, user, backend="civicgrid.accounts.backends.PhoneBackend")
                messages.success(request, _("注册成功，欢迎来到淘社区。"))
                return redirect("portal_home")
    context = {"phone_form": phone_form, "form": form}
    return render(request, "portal/signup.html", context, status=status)


@login_not_required
def password_reset(request):
    """找回密码, two steps on one page: text me a code; then code and the new password. The answers
    are the same whether or not the number has an account."""
    phone_form = SignupPhoneForm(
        request.POST if request.POST.get("step") == "code" else None, auto_id="send_%s"
    )
    form = PasswordResetForm(request.POST if request.POST.get("step") == "reset" else None)
    status = 200
    if phone_form.is_bound:
        phone, status = _code_step(
            request,
            phone_form,
            services.password_reset_send_code,
            _("如该手机号已注册，验证码已发送，10 分钟内有效。"),
        )
        if phone:
            form = PasswordResetForm(initial={"phone": phone})
    elif form.is_bound:
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.password_reset_complete(
                    phone=data["phone"], code=data["code"], password=data["password"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("密码已重设，请用新密码登录。"))
                return redirect("accounts:resident_login")
    return render(
        request, "portal/password_reset.html", {"phone_form": phone_form, "form": form}, status=status
    )


# ---------------------------------------------------------------- say it directly


@require_action("portal.suggest")
def suggestion_new(request):
    grids = selectors.suggestion_grids(request.user)
    form = SuggestionForm(request.POST or None, request.FILES or None, grids=grids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.suggestion_submit(
                actor=request.user,
                text=data["text"],
                grid=next(g for g in grids if g.pk == data["grid"]),
                lat=data["lat"],
                lng=data["lng"],
                photos=data["photos"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("已收到，编号 %(number)s，我们会尽快答复。") % {"number": case.number}
            )
            return redirect("portal:suggestion", case.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/suggestion_new.html", {"form": form}, status=status)


@require_GET
@require_action("portal.suggest")
def suggestions(request):
    page = Paginator(selectors.my_suggestions(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "portal/suggestions.html", {"page": page})


@require_action("portal.suggest")
def suggestion(request, case_id: int):
    case = found_or_404(selectors.access_my_suggestion, user=request.user, case_id=case_id)
    if request.method == "POST":
        try:
            case_services.case_rate(
                case=case,
                actor=request.user,
                rating=int(request.POST.get("rating") or 0),
                comment=request.POST.get("comment", ""),
            )
        except (ValidationError, DomainError) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error.message)
            messages.error(request, text)
        else:
            messages.success(request, _("感谢您的评价。"))
        return redirect("portal:suggestion", case.pk)
    context = {"case": case, "replies": selectors.replies(case), "photos": case.photos.all()}
    return render(request, "portal/suggestion.html", context)


@require_GET
@require_action("portal.reply")
def staff_suggestions(request):
    page = Paginator(selectors.suggestions_for_staff(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "portal/staff_suggestions.html", {"page": page})


@require_action("portal.reply")
def staff_suggestion(request, case_id: int):
    case = found_or_404(selectors.access_staff_suggestion, user=request.user, case_id=case_id)
    reply_form = ReplyForm(request.POST if request.POST.get("form") == "reply" else None)
    publish_form = PublishForm(
        request.POST if request.POST.get("form") == "publish" else None,
        initial={"title": case.category.name, "summary": services.scrub(case.description)},
    )
    if reply_form.is_bound and reply_form.is_valid():
        services.reply_add(actor=request.user, case=case, body=reply_form.cleaned_data["body"])
        messages.success(request, _("答复已发送给居民。"))
        return redirect("portal:staff_suggestion", case.pk)
    if publish_form.is_bound:
        if not user_can(request.user, "portal.publish"):
            raise PermissionDenied
        if publish_form.is_valid():
            run_service(
                publish_form,
                lambda: services.publish(actor=request.user, case=case, **publish_form.cleaned_data),
            )
            if not publish_form.errors:
                messages.success(request, _("已公示。"))
                return redirect("portal:staff_suggestion", case.pk)
    context = {
        "case": case,
        "replies": selectors.replies(case),
        "reply_form": reply_form,
        "publish_form": publish_form,
        "can_publish": user_can(request.user, "portal.publish"),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/staff_suggestion.html", context, status=status)


# ---------------------------------------------------------------- publications and news (public)


@login_not_required
@require_GET
def public(request):
    """The publication list, the same for every reader: its rendered rows come from the cache."""
    number = request.GET.get("page") or 1
    key = selectors.public_key("list", get_language(), number)
    rows = cache.get(key)
    if rows is None:
        page = Paginator(selectors.publications(), 20).get_page(number)
        rows = render_to_string("portal/partials/publications.html", {"page": page}, request)
        cache.set(key, rows, selectors.PUBLIC_KEPT_S)
    return render(request, "portal/public.html", {"rows": rows})


@login_not_required
@require_GET
def news(request):
    items = selectors.news_for(request.user, limit=30)
    return render(request, "portal/news.html", {"items": items})


@login_not_required
@require_GET
def news_item(request, news_id: int):
    return render(
        request, "portal/news_item.html", {"item": found_or_404(selectors.access_news, news_id=news_id)}
    )


@require_action("portal.publish")
def news_new(request):
    units = selectors.news_units(request.user)
    form = NewsForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.news_publish(
                actor=request.user,
                unit=next(u for u in units if u.pk == data["unit"]),
                title=data["title"],
                body=data["body"],
                image=data["image"],
                is_notice=data["is_notice"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已发布。"))
            return redirect("portal:news_item", item.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/news_new.html", {"form": form}, status=status)


@require_POST
@require_action("portal.publish")
def hide(request, kind: str, item_id: int):
    model = {"news": News, "publication": Publication}.get(kind)
    if model is None:
        raise Http404
    paths = selectors.publish_paths(request.user)
    field = "unit__path" if model is News else "community__path"
    item = model.objects.filter(path_q(paths, field), pk=item_id).first()
    if item is None:
        raise Http404
    form = HideForm(request.POST)
    if form.is_valid():
        services.hide(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        messages.success(request, _("已隐藏。"))
    else:
        messages.error(request, _("请说明隐藏原因。"))
    return redirect("portal:public" if model is Publication else "portal:news")


@require_GET
@require_action("portal.rewards")
def most_active(request):
    year = clock.today().year
    rows = selectors.most_active(user=request.user, year=year)
    return render(request, "portal/most_active.html", {"rows": rows, "year": year})


@require_GET
@require_action("portal.organisations")
def organisations(request):
    page = Paginator(selectors.organisation_queue(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "portal/organisations.html", {"page": page})


@require_POST
@require_action("portal.organisations")
def organisation_decide(request, application_id: int):
    item = found_or_404(
        selectors.access_organisation_application, user=request.user, application_id=application_id
    )
    return _decided(
        request,
        lambda **decision: services.organisation_decide(application=item, **decision),
        back="portal:organisations",
    )
