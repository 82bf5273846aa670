"""Reads of the resident portal, scoped to the user."""

from django.db.models import QuerySet

from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import memberships_of, path_q, scope_paths, user_can

from .choices import RedemptionStatus, VerificationStatus
from .models import PointsAccount, PointsEntry, Redemption, Reward, Verification


def _paths(user, action: str) -> list[str]:
    if not user_can(user, action):
        raise Forbidden()
    return scope_paths(user, roles=PERMISSIONS[action])


def balance(user) -> int:
    return PointsAccount.objects.filter(user=user).values_list("balance", flat=True).first() or 0


def ledger(user) -> QuerySet[PointsEntry]:
    return PointsEntry.objects.filter(user=user).order_by("-at", "-pk")


def latest_verification(user) -> Verification | None:
    return Verification.objects.filter(user=user).order_by("-created_at", "-pk").first()


def rewards_for(user) -> QuerySet[Reward]:
    """The catalogue a resident sees: the street's items and their own community's."""
    paths = [m.unit.path for m in memberships_of(user)]
    step = OrgUnit.steplen
    prefixes = {p[:i] for p in paths for i in range(step, len(p) + 1, step)}
    return Reward.objects.filter(is_active=True, unit__path__in=prefixes).select_related("unit")


def access_reward(*, user, reward_id) -> Reward:
    try:
        return rewards_for(user).get(pk=reward_id)
    except (Reward.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def my_redemptions(user) -> QuerySet[Redemption]:
    return Redemption.objects.filter(user=user).select_related("reward")


def verification_queue(user) -> QuerySet[Verification]:
    paths = _paths(user, "portal.verify")
    return (
        Verification.objects.filter(path_q(paths, "unit__path"), status=VerificationStatus.PENDING)
        .select_related("user", "unit", "person__household__room__entrance__building")
        .order_by("created_at")
    )


def access_verification(*, user, verification_id) -> Verification:
    try:
        return verification_queue(user).get(pk=verification_id)
    except (Verification.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def redemptions_to_hand_over(user) -> QuerySet[Redemption]:
    paths = _paths(user, "portal.rewards")
    return (
        Redemption.objects.filter(path_q(paths, "reward__unit__path"), status=RedemptionStatus.REQUESTED)
        .select_related("user", "reward")
        .order_by("created_at")
    )


def access_redemption(*, user, redemption_id) -> Redemption:
    try:
        return redemptions_to_hand_over(user).get(pk=redemption_id)
    except (Redemption.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
