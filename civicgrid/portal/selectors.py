"""Reads of the resident portal, scoped to the user."""

import time
from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, QuerySet, Sum

from civicgrid.cases.choices import Channel
from civicgrid.cases.models import Case
from civicgrid.cases.selectors import cases_for
from civicgrid.core import clock
from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import ancestor_of_kind, memberships_of, path_q, scope_paths, user_can

from .choices import RedemptionStatus, VerificationStatus
from .models import (
    News,
    OrganisationApplication,
    PointsAccount,
    PointsEntry,
    Publication,
    Redemption,
    Reply,
    Reward,
    Verification,
)


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


# ---------------------------------------------------------------- suggestions, publications, news


def community_of(user) -> OrgUnit | None:
    for membership in memberships_of(user):
        if membership.unit.kind == UnitKind.COMMUNITY:
            return membership.unit
    return None


def suggestion_grids(user) -> list[OrgUnit]:
    """The grids of the resident's community (where their suggestion happened)."""
    community = community_of(user)
    if community is None:
        return []
    return list(
        OrgUnit.objects.filter(path__startswith=community.path, kind=UnitKind.GRID, is_active=True).order_by(
            "code"
        )
    )


def my_suggestions(user) -> QuerySet[Case]:
    return (
        Case.objects.filter(reporter=user, channel=Channel.SUGGESTION)
        .select_related("category")
        .order_by("-reported_at")
    )


def access_my_suggestion(*, user, case_id) -> Case:
    try:
        return my_suggestions(user).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def replies(case: Case) -> QuerySet[Reply]:
    return Reply.objects.filter(case=case).select_related("author")


def suggestions_for_staff(user) -> QuerySet[Case]:
    return (
        cases_for(user)
        .filter(channel=Channel.SUGGESTION)
        .select_related("category", "grid", "reporter")
        .order_by("-reported_at")
    )


def access_staff_suggestion(*, user, case_id) -> Case:
    try:
        return suggestions_for_staff(user).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def publications(*, community: OrgUnit | None = None) -> QuerySet[Publication]:
    """Visible publications, newest first (the public page reads only what it shows)."""
    rows = Publication.objects.filter(is_hidden=False).order_by("-published_at")
    if community is not None:
        rows = rows.filter(community=community)
    return rows.only("id", "title", "summary", "reply", "published_at", "community__name").select_related(
        "community"
    )


# What is public (publications, news) reads the same for every reader: it is kept in the cache for a
# minute at most, and dropped as soon as something public changes (`public_changed`; with a cache per
# process, as on a laptop, other processes follow within the minute).
PUBLIC_KEPT_S = 60
PUBLIC_VERSION = "portal:public-version"


def public_changed(**_kwargs) -> None:
    """Forget the cached public lists: now, and again once the change is committed (a reader between
    the two may have cached what was there before)."""

    def forget():
        cache.set(PUBLIC_VERSION, time.time_ns(), None)

    forget()
    transaction.on_commit(forget)


def public_key(*parts) -> str:
    version = cache.get(PUBLIC_VERSION)
    if version is None:
        version = time.time_ns()
        cache.add(PUBLIC_VERSION, version, None)
    return ":".join(["portal:public", str(version), *map(str, parts)])


def news_for(user, *, limit: int = 20) -> list[News]:
    """The street's news with the reader's community first."""
    community = community_of(user)
    key = public_key("news", community.pk if community else "-", limit)
    found = cache.get(key)
    if found is None:
        found = _news_for(community, limit)
        cache.set(key, found, PUBLIC_KEPT_S)
    return found


def _news_for(community: OrgUnit | None, limit: int) -> list[News]:
    visible = News.objects.filter(is_hidden=False).select_related("unit")
    own = list(visible.filter(unit=community).order_by("-published_at")[:limit]) if community else []
    street = ancestor_of_kind(community, UnitKind.STREET) if community else None
    others = visible.exclude(unit=community) if community else visible
    if street is not None:
        others = others.filter(unit__path__startswith=street.path)
    return own + list(others.order_by("-published_at")[: max(0, limit - len(own))])


def access_news(*, news_id) -> News:
    try:
        return News.objects.select_related("unit").get(pk=news_id, is_hidden=False)
    except (News.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def news_units(user) -> list[OrgUnit]:
    paths = _paths(user, "portal.publish")
    return list(
        OrgUnit.objects.filter(
            path_q(paths), kind__in=[UnitKind.STREET, UnitKind.COMMUNITY], is_active=True
        ).order_by("depth", "code")[:100]
    )


def publish_paths(user) -> list[str]:
    return _paths(user, "portal.publish")


def signup_communities() -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(kind=UnitKind.COMMUNITY, is_active=True).order_by("code")[:500])


def most_active(*, user, year: int, limit: int = 20) -> list[dict]:
    """The residents who earned the most points this year in the communities the user leads: the
    yearly award list, and the people to ask to become core volunteers (骨干)."""
    paths = _paths(user, "portal.rewards")
    start, end = clock.make_aware_date(date(year, 1, 1)), clock.make_aware_date(date(year + 1, 1, 1))
    members = Membership.objects.filter(
        path_q(paths, "unit__path"), role__in=[Role.RESIDENT, Role.VOLUNTEER], is_active=True
    ).values("user_id")
    rows = (
        PointsEntry.objects.filter(user_id__in=members, points__gt=0, at__gte=start, at__lt=end)
        .values("user_id", "user__full_name")
        .annotate(earned=Sum("points"), actions=Count("pk"))
        .order_by("-earned", "user_id")[:limit]
    )
    return list(rows)


def organisation_queue(user) -> QuerySet[OrganisationApplication]:
    paths = _paths(user, "portal.organisations")
    return (
        OrganisationApplication.objects.filter(
            path_q(paths, "community__path"), status=VerificationStatus.PENDING
        )
        .select_related("user", "community")
        .order_by("created_at")
    )


def access_organisation_application(*, user, application_id) -> OrganisationApplication:
    try:
        return organisation_queue(user).get(pk=application_id)
    except (OrganisationApplication.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def my_organisation_application(user) -> OrganisationApplication | None:
    return OrganisationApplication.objects.filter(user=user).order_by("-created_at").first()
