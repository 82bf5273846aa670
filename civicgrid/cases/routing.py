"""派单: which unit a case goes to when nobody claimed it in time."""

from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit

from .models import Case, RoutingRule


def community_of(grid: OrgUnit) -> OrgUnit | None:
    return OrgUnit.objects.filter(path=grid.path[: -OrgUnit.steplen], kind=UnitKind.COMMUNITY).first()


def load_rules() -> list[RoutingRule]:
    return list(RoutingRule.objects.select_related("area", "target"))


def route(
    case: Case, *, rules: list[RoutingRule] | None = None, excluded: set[int] = frozenset(), communities=None
) -> OrgUnit | None:
    """The first matching rule's unit (category → department; place → community), skipping units that
    already returned the case; None sends the case to the dispatcher's queue."""
    rules = rules if rules is not None else load_rules()
    find_community = communities.get if communities is not None else community_of
    for rule in rules:
        if rule.category_id and rule.category_id != case.category_id:
            continue
        if rule.area_id and not case.grid.path.startswith(rule.area.path):
            continue
        target = find_community(case.grid) if rule.to_case_community else rule.target
        if target is not None and target.pk not in excluded:
            return target
    return None
