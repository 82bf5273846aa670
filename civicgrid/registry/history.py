"""Change history read from django-simple-history: who changed what, when, why, old and new value.

Personal values appear only masked: the clear ID number and phone columns are never shown.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import GroupMembership, Household, Person, Room, Vehicle

HIDDEN = {"id", "id_number", "id_index", "phone", "phone_index", "id_last4_index", "contact_phone", "grid"}
KIND = {"+": _("新增"), "~": _("修改"), "-": _("删除")}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    at: datetime
    user: str
    reason: str
    subject: str
    kind: str
    changes: list[Change] = field(default_factory=list)


def _display(record, name: str) -> str:
    model_field = record.instance_type._meta.get_field(name)
    value = getattr(record, model_field.attname)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value or ""))
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _entries(records, subject) -> list[Entry]:
    """Pair each historical record with the previous one of the same object and list what changed."""
    entries, previous = [], {}
    for record in records.select_related("history_user").order_by("history_date", "history_id"):
        fields = [
            f.name
            for f in record.instance_type._meta.fields
            if f.name not in HIDDEN and not f.name.endswith("_at") and not f.is_relation
        ] + [f for f in ("last_verified_at",) if hasattr(record, f)]
        before = previous.get(record.id)
        changes = []
        for name in fields:
            verbose = str(record.instance_type._meta.get_field(name).verbose_name)
            new = _display(record, name)
            old = _display(before, name) if before is not None else ""
            if old != new and (before is not None or new):
                changes.append(Change(verbose, old, new))
        previous[record.id] = record
        if changes or record.history_type != "~":
            user = record.history_user
            entries.append(
                Entry(
                    at=record.history_date,
                    user=(user.get_full_name() if user else "") or _("系统"),
                    reason=record.history_change_reason or "",
                    subject=subject(record),
                    kind=str(KIND[record.history_type]),
                    changes=changes,
                )
            )
    return entries


def household_history(*, household: Household, groups) -> list[Entry]:
    """Every change to a household, its room, members, vehicles and the tags in `groups` (the
    service groups the reader may see)."""
    person_ids = set(Person.history.filter(household_id=household.pk).values_list("id", flat=True))
    entries = (
        _entries(Household.history.filter(id=household.pk), lambda r: str(_("户信息")))
        + _entries(Room.history.filter(id=household.room_id), lambda r: str(_("房屋")))
        + _entries(Person.history.filter(id__in=person_ids), lambda r: r.full_name)
        + _entries(Vehicle.history.filter(household_id=household.pk), lambda r: r.plate)
        + _entries(
            GroupMembership.history.filter(person_id__in=person_ids, group__in=groups).select_related(
                "group"
            ),
            lambda r: f"{_('群体标签')} · {r.group.name}",
        )
    )
    return sorted(entries, key=lambda e: e.at, reverse=True)


def person_history(*, person: Person, groups) -> list[Entry]:
    entries = _entries(Person.history.filter(id=person.pk), lambda r: r.full_name) + _entries(
        GroupMembership.history.filter(person_id=person.pk, group__in=groups).select_related("group"),
        lambda r: f"{_('群体标签')} · {r.group.name}",
    )
    return sorted(entries, key=lambda e: e.at, reverse=True)
