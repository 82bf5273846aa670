"""Reads of 投票与调研, scoped to the user: residents see what their community and street ask them;
staff see what they manage."""

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from civicgrid.core import clock
from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import ancestor_of_kind, memberships_of, path_q, roles_at, scope_paths, user_can
from civicgrid.portal.services import scrub

from .choices import CHOICE_KINDS, QuestionKind, ResultsVisibility, Status
from .models import Answer, Poll, PollOption, Question, Response, Survey, Vote, VoteChoice

VOTER_ROLES = PERMISSIONS["polls.vote"]
MANAGER_ROLES = PERMISSIONS["polls.manage"]
AUDIENCE_KINDS = (UnitKind.STREET, UnitKind.COMMUNITY)
LIST_LIMIT = 30
TEXTS_SHOWN = 200

RESULTS_AFTER_VOTING = _("投票后即可查看结果。")
RESULTS_AFTER_CLOSING = _("结果将在投票截止后公布。")
RESULTS_STAFF_ONLY = _("本次投票结果仅供工作人员查看。")


# ---------------------------------------------------------------- audience (residents)


def voter_units(user) -> list[OrgUnit]:
    """The units where the user takes part as a resident or volunteer (a community, or a grid of one)."""
    return [m.unit for m in memberships_of(user) if m.role in VOTER_ROLES]


def audience_prefixes(user) -> list[str]:
    """Paths of every unit whose polls reach the user: their own units and every unit above them."""
    step = OrgUnit.steplen
    return sorted({u.path[:i] for u in voter_units(user) for i in range(step, len(u.path) + 1, step)})


def voter_community(user, unit: OrgUnit) -> OrgUnit | None:
    """The community through which the user belongs to the audience `unit`, or None if they do not."""
    for member_unit in voter_units(user):
        if member_unit.path.startswith(unit.path):
            if member_unit.kind == UnitKind.COMMUNITY:
                return member_unit
            return ancestor_of_kind(member_unit, UnitKind.COMMUNITY) or member_unit
    return None


def polls_for(user) -> QuerySet[Poll]:
    """Published and closed polls whose audience includes the user, with whether they voted."""
    return (
        Poll.objects.filter(unit__path__in=audience_prefixes(user))
        .exclude(status=Status.DRAFT)
        .select_related("unit")
        .annotate(voted=Exists(Vote.objects.filter(poll=OuterRef("pk"), user=user)))
    )


def surveys_for(user) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(unit__path__in=audience_prefixes(user))
        .exclude(status=Status.DRAFT)
        .select_related("unit")
        .annotate(responded=Exists(Response.objects.filter(survey=OuterRef("pk"), user=user)))
    )


def _still_open(now: datetime) -> Q:
    return Q(status=Status.PUBLISHED, closes_at__gt=now)


def open_polls_for(user, *, now: datetime | None = None) -> QuerySet[Poll]:
    """Open and upcoming polls, the soonest to close first."""
    return polls_for(user).filter(_still_open(now or clock.now())).order_by("closes_at", "pk")


def closed_polls_for(user, *, now: datetime | None = None) -> QuerySet[Poll]:
    return polls_for(user).exclude(_still_open(now or clock.now())).order_by("-closes_at", "-pk")


def open_surveys_for(user, *, now: datetime | None = None) -> QuerySet[Survey]:
    return surveys_for(user).filter(_still_open(now or clock.now())).order_by("closes_at", "pk")


def closed_surveys_for(user, *, now: datetime | None = None) -> QuerySet[Survey]:
    return surveys_for(user).exclude(_still_open(now or clock.now())).order_by("-closes_at", "-pk")


def access_poll(*, user, poll_id) -> Poll:
    """A poll the user is asked to vote in; 'not there' and 'not yours' give the same error."""
    try:
        return polls_for(user).get(pk=poll_id)
    except (Poll.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_survey(*, user, survey_id) -> Survey:
    try:
        return surveys_for(user).get(pk=survey_id)
    except (Survey.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def poll_options(poll: Poll) -> list[PollOption]:
    return list(poll.options.all())


def my_choices(*, user, poll: Poll) -> list[int]:
    """The option ids of the user's own vote (shown to them only)."""
    return list(
        VoteChoice.objects.filter(vote__poll=poll, vote__user=user).values_list("option_id", flat=True)
    )


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("options"))


# ---------------------------------------------------------------- results


def can_manage(user, unit: OrgUnit) -> bool:
    return getattr(user, "is_superuser", False) or bool(roles_at(user, unit) & MANAGER_ROLES)


def results_hidden_reason(*, user, poll: Poll, voted: bool, now: datetime | None = None):
    """Why the user may not see the poll's results yet, or None when they may."""
    if can_manage(user, poll.unit):
        return None
    now = now or clock.now()
    if poll.status == Status.DRAFT:
        return RESULTS_AFTER_CLOSING
    closed = poll.is_closed(now)
    rule = poll.results_visibility
    if rule == ResultsVisibility.ALWAYS:
        return None
    if rule == ResultsVisibility.AFTER_VOTING:
        return None if voted or closed else RESULTS_AFTER_VOTING
    if rule == ResultsVisibility.AFTER_CLOSING:
        return None if closed else RESULTS_AFTER_CLOSING
    return RESULTS_STAFF_ONLY


def poll_results(poll: Poll, *, by_community: bool = False) -> dict:
    """Voters and votes per option (a percentage of voters: a multiple-choice poll adds up past 100)."""
    counts = dict(
        VoteChoice.objects.filter(vote__poll=poll)
        .values("option_id")
        .annotate(n=Count("pk"))
        .values_list("option_id", "n")
    )
    voters = Vote.objects.filter(poll=poll).count()
    options = [
        {
            "id": option.pk,
            "text": option.text,
            "count": counts.get(option.pk, 0),
            "percent": round(100 * counts.get(option.pk, 0) / voters, 1) if voters else 0.0,
        }
        for option in poll.options.all()
    ]
    result: dict = {"voters": voters, "options": options}
    if by_community:
        result["communities"] = list(
            Vote.objects.filter(poll=poll)
            .values("community__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "community__name")
        )
    return result


def survey_summary(survey: Survey, *, texts_shown: int = TEXTS_SHOWN) -> dict:
    """Per question: the respondents who answered, counts per option, the rating average and
    distribution, and the texts (scrubbed of phone and ID numbers, never with a name)."""
    questions = questions_of(survey)
    answers = Answer.objects.filter(response__survey=survey)
    answered = dict(
        answers.values("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("question_id", "n")
    )
    option_counts = dict(
        answers.filter(option__isnull=False)
        .values("option_id")
        .annotate(n=Count("pk"))
        .values_list("option_id", "n")
    )
    ratings: dict[int, list[int]] = {}
    for question_id, rating, n in (
        answers.filter(rating__isnull=False)
        .values("question_id", "rating")
        .annotate(n=Count("pk"))
        .values_list("question_id", "rating", "n")
    ):
        if rating is not None:
            ratings.setdefault(question_id, [0] * 5)[rating - 1] = n
    texts: dict[int, list[str]] = {}
    text_ids = [q.pk for q in questions if q.kind == QuestionKind.TEXT]
    if text_ids:
        for question_id, text in (
            answers.filter(question_id__in=text_ids)
            .exclude(text="")
            .order_by("-response__created_at", "-pk")
            .values_list("question_id", "text")
        ):
            shown = texts.setdefault(question_id, [])
            if len(shown) < texts_shown:
                shown.append(scrub(text))
    responses = Response.objects.filter(survey=survey).count()
    rows = []
    for question in questions:
        row: dict = {
            "id": question.pk,
            "kind": question.kind,
            "kind_label": str(question.get_kind_display()),
            "text": question.text,
            "required": question.required,
            "answered": answered.get(question.pk, 0),
            "options": [],
            "average": None,
            "ratings": [],
            "texts": [],
        }
        if question.kind in CHOICE_KINDS:
            row["options"] = [
                {
                    "id": option.pk,
                    "text": option.text,
                    "count": option_counts.get(option.pk, 0),
                    "percent": round(100 * option_counts.get(option.pk, 0) / responses, 1)
                    if responses
                    else 0.0,
                }
                for option in question.options.all()
            ]
        elif question.kind == QuestionKind.RATING:
            spread = ratings.get(question.pk, [0] * 5)
            total = sum(spread)
            row["ratings"] = spread
            row["average"] = (
                round(sum((i + 1) * n for i, n in enumerate(spread)) / total, 2) if total else None
            )
        else:
            row["texts"] = texts.get(question.pk, [])
        rows.append(row)
    return {"responses": responses, "questions": rows}


# ---------------------------------------------------------------- staff


def manage_paths(user) -> list[str]:
    if not user_can(user, "polls.manage"):
        raise Forbidden()
    if getattr(user, "is_superuser", False):
        return [u.path for u in OrgUnit.objects.filter(depth=1)]
    return scope_paths(user, roles=MANAGER_ROLES)


def manage_units(user) -> list[OrgUnit]:
    """The street and communities the user may ask: the audiences they can choose from."""
    return list(
        OrgUnit.objects.filter(path_q(manage_paths(user)), kind__in=AUDIENCE_KINDS, is_active=True)
        .defer("boundary")
        .order_by("depth", "code")[:200]
    )


def polls_managed(user) -> QuerySet[Poll]:
    return (
        Poll.objects.filter(path_q(manage_paths(user), "unit__path"))
        .select_related("unit")
        .annotate(vote_count=Count("votes"))
        .order_by("-created_at", "-pk")
    )


def surveys_managed(user) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(path_q(manage_paths(user), "unit__path"))
        .select_related("unit")
        .annotate(response_count=Count("responses"))
        .order_by("-created_at", "-pk")
    )


def access_managed_poll(*, user, poll_id) -> Poll:
    try:
        return polls_managed(user).get(pk=poll_id)
    except (Poll.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_managed_survey(*, user, survey_id) -> Survey:
    try:
        return surveys_managed(user).get(pk=survey_id)
    except (Survey.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_managed_question(*, user, survey: Survey, question_id) -> Question:
    try:
        return survey.questions.prefetch_related("options").get(pk=question_id)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# ---------------------------------------------------------------- demand menus

# Words in an option's text that show which group it serves (the activities app's demand menu).
DEMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "elderly": ("老人", "养老"),
    "children": ("儿童", "孩子"),
    "youth": ("青少年", "青年"),
    "families": ("家庭",),
}


def poll_demand(community: OrgUnit, since=None) -> dict[str, int]:
    """Votes cast by the community's residents for options naming a group, per group.

    An option such as "老年人健康讲座" counts for "elderly"; one naming two groups counts for both.
    The voter's community is the one recorded with their vote, so street-wide polls count too.
    Every group is in the answer, with 0 when nobody asked for it. The caller scopes `community`."""
    filters = {
        group: Count("pk", filter=_any_of("option__text__contains", words))
        for group, words in DEMAND_GROUPS.items()
    }
    votes = VoteChoice.objects.filter(vote__community=community)
    if since is not None:
        votes = votes.filter(vote__created_at__gte=since)
    counts = votes.aggregate(**filters)
    return {group: counts[group] or 0 for group in DEMAND_GROUPS}


def demand_in(scope) -> dict[str, int]:
    """The demand menu's poll column (activities.selectors.DemandSource): `poll_demand` summed over
    the communities looked at, for votes cast in the menu's period."""
    total: dict[str, int] = dict.fromkeys(DEMAND_GROUPS, 0)
    for community in scope.communities:
        for group, n in poll_demand(community, since=scope.since).items():
            total[group] += n
    return total


def _any_of(lookup: str, values) -> Q:
    query = Q()
    for value in values:
        query |= Q(**{lookup: value})
    return query
