"""Resident portal pages (verification, points, rewards) and the staff queues that serve them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.errors import DomainError
from civicgrid.core.forms import add_service_errors
from civicgrid.core.shortcuts import found_or_404
from civicgrid.org.decorators import require_action

from . import selectors, services
from .forms import RefuseForm, VerificationForm


@require_action("portal.points")
def verify(request):
    form = VerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.verification_request(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
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
    confirm = request.POST.get("decision") == "confirm"
    try:
        services.verification_decide(
            actor=request.user, verification=item, confirm=confirm, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已确认。") if confirm else _("已退回。"))
    return redirect("portal:verifications")


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
