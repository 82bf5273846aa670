"""Load a synthetic city into the configured database: reference data through the ORM, the bulk
through `copy.Writer`, all in one transaction; then ANALYZE on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Max

from . import generate
from .copy import Writer, schema_snapshot
from .generate import SHANGHAI, Category, Sealer, Synth, WorkClock


def _models():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from civicgrid.accounts.models import User
    from civicgrid.cases.models import Case, CaseEvent, CaseReturn, RoutingRule
    from civicgrid.fieldwork.models import Visit
    from civicgrid.org.models import Membership, OrgUnit
    from civicgrid.registry.models import Building, Entrance, Household, Person, Room

    return {
        "unit": OrgUnit,
        "user": User,
        "membership": Membership,
        "totp": TOTPDevice,
        "rule": RoutingRule,
        "building": Building,
        "entrance": Entrance,
        "room": Room,
        "household": Household,
        "person": Person,
        "visit": Visit,
        "case": Case,
        "event": CaseEvent,
        "return": CaseReturn,
    }


# Tables whose secondary indexes and constraints are rebuilt after the load on PostgreSQL.
BULK = ("building", "entrance", "room", "household", "person", "visit", "case", "event")
# Tables whose content must not be there already (without --force).
OCCUPIED = ("unit", "user", "person", "case", "visit")


def bulk_models() -> list:
    models = _models()
    return [models[name] for name in BULK]


@dataclass
class Result:
    synth: Synth
    now: datetime
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total_s: float = 0.0
    indexes_identical: bool | None = None

    def table(self) -> list[str]:
        models = _models()
        lines = [f"{'表 table':<28}{'行数 rows':>12}{'秒 s':>9}"]
        for name, n in self.rows.items():
            table = models[name]._meta.db_table if name in models else name
            lines.append(f"{table:<28}{n:>12,}{self.seconds.get(name, 0):>9.1f}")
        for name, s in self.seconds.items():
            if name not in self.rows:
                lines.append(f"{name:<28}{'':>12}{s:>9.1f}")
        lines.append(f"{'合计 total':<28}{sum(self.rows.values()):>12,}{self.total_s:>9.1f}")
        return lines


def shared_password_hash(password: str, seed: int) -> str:
    """One hash for every synthetic account, made once. Its salt comes from the seed, so that two
    runs with the same seed write the same row."""
    salt = hashlib.sha256(f"civicgrid-synth:{seed}".encode()).hexdigest()[:22]
    return make_password(password, salt=salt)


def ensure_reference(first: date, last: date) -> list[Category]:
    """SLA policies and categories of the demo (created when missing), and the holiday calendar of
    the years the data covers."""
    from civicgrid.cases import sla
    from civicgrid.cases.demo import CATEGORIES, DESCRIPTIONS, ensure_policies
    from civicgrid.cases.models import Category as CategoryModel

    for year in range(first.year, last.year + 1):
        sla.seed_calendar(year)
    policies = ensure_policies()
    result = []
    for sort, (code, name, policy_code, rewarded, anonymous, department) in enumerate(CATEGORIES):
        category, _ = CategoryModel.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "policy": policies[policy_code],
                "is_rewarded": rewarded,
                "allows_anonymous": anonymous,
                "sort": sort,
            },
        )
        p = category.policy
        result.append(
            Category(
                id=category.pk,
                code=code,
                policy_id=p.pk,
                rewarded=category.is_rewarded,
                anonymous=category.allows_anonymous,
                claim=float(p.claim_hours),
                verify=float(p.verify_hours) if p.verify_hours else None,
                resolve=float(p.resolve_hours),
                dispute=float(p.dispute_hours) if p.dispute_hours else None,
                ratio=float(p.yellow_ratio),
                working=p.working_days,
                department=None if rewarded else department,
                texts=DESCRIPTIONS[code],
            )
        )
    return result


def check_target(force: bool) -> None:
    """Refuse a database that holds data, unless forced; even forced, refuse clashing codes and
    user names (a second city on top of the first)."""
    models = _models()
    occupied = [models[name]._meta.verbose_name for name in OCCUPIED if models[name].objects.exists()]
    if occupied and not force:
        raise CommandError(
            f"数据库中已有数据（{'、'.join(str(o) for o in occupied)}）。请使用已迁移的空数据库，"
            "或加 --force 追加。The database is not empty: use a freshly migrated one, or --force."
        )
    if occupied:
        codes = [generate.CITY[1], *(code for _name, code in generate.DISTRICTS)]
        if models["unit"].objects.filter(code__in=codes).exists():
            raise CommandError("数据库中已有杭州市的组织编码（演示数据或上一次模拟），无法追加。")
        if models["user"].objects.filter(username__in=["synadmin", "g000001"]).exists():
            raise CommandError("数据库中已有模拟账号（上一次模拟），无法追加。")


def load_city(
    *,
    grids: int,
    people: int,
    cases: int,
    visits: int,
    seed: int = 1,
    year_end: date,
    password: str,
    force: bool = False,
    progress=lambda message: None,
) -> Result:
    from civicgrid.accounts.selectors import second_factor_roles

    check_target(force)
    now = datetime.combine(year_end, clock_time.min, tzinfo=SHANGHAI)
    models = _models()
    writer = Writer(connection, progress)
    started = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="civicgrid-synth-")
    events_path = os.path.join(tmp, "events.tsv")
    step_started = started
    result: Result | None = None

    def done(name: str, n: int | None = None) -> None:
        nonlocal step_started
        elapsed = time.perf_counter() - step_started
        result.seconds[name] = result.seconds.get(name, 0) + elapsed
        if n is not None:
            result.rows[name] = result.rows.get(name, 0) + n
        progress(f"  {name}: {'' if n is None else f'{n:,} 行, '}{elapsed:.1f} s")
        step_started = time.perf_counter()

    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                    cursor.execute("SET LOCAL work_mem = '256MB'")
            first_day = (now - timedelta(days=400)).date()
            categories = ensure_reference(first_day, year_end + timedelta(days=120))
            first_ids = {
                name: model.objects.aggregate(m=Max("pk"))["m"] or 0 for name, model in models.items()
            }
            synth = Synth(
                grids=grids,
                people=people,
                cases=cases,
                visits=visits,
                seed=seed,
                now=now,
                first_ids=first_ids,
                password_hash=shared_password_hash(password, seed),
                second_factor_roles=second_factor_roles(),
            )
            result = Result(synth=synth, now=now)
            before = schema_snapshot(connection, bulk_models()) if connection.vendor == "postgresql" else None
            saved = writer.drop_secondary(bulk_models())
            done("drop indexes")
            sealer = Sealer(synth.rng("iv"), synth.now)

            w = writer.write
            w(models["unit"], Synth.UNIT_FIELDS, synth.unit_rows())
            done("unit", len(synth.city.units))
            synth.plan_staff()
            done("user", w(models["user"], Synth.USER_FIELDS, synth.user_rows(sealer)))
            done("membership", w(models["membership"], Synth.MEMBERSHIP_FIELDS, synth.membership_rows()))
            done("totp", w(models["totp"], Synth.TOTP_FIELDS, synth.totp_rows()))
            done("rule", w(models["rule"], Synth.RULE_FIELDS, synth.rule_rows(categories)))
            synth.plan_registry()
            done("plan registry")
            done("visit", w(models["visit"], Synth.VISIT_FIELDS, synth.visit_rows()))
            done("building", w(models["building"], Synth.BUILDING_FIELDS, synth.building_rows()))
            done("entrance", w(models["entrance"], Synth.ENTRANCE_FIELDS, synth.entrance_rows()))
            done("room", w(models["room"], Synth.ROOM_FIELDS, synth.room_rows()))
            done("household", w(models["household"], Synth.HOUSEHOLD_FIELDS, synth.household_rows()))
            done("person", w(models["person"], Synth.PERSON_FIELDS, synth.person_rows(sealer)))

            overrides = _calendar(first_day, year_end + timedelta(days=400))
            clock = WorkClock(first_day, year_end + timedelta(days=400), overrides)
            done(
                "case", w(models["case"], Synth.CASE_FIELDS, synth.case_rows(categories, clock, events_path))
            )
            done("event", writer.write_text(models["event"], Synth.EVENT_FIELDS, events_path))
            done("return", w(models["return"], Synth.RETURN_FIELDS, synth.returns))

            writer.restore(saved)
            done("rebuild indexes")
            if before is not None:
                after = schema_snapshot(connection, bulk_models())
                result.indexes_identical = before == after
                if before != after:
                    raise CommandError(f"索引与约束未能原样恢复：{_difference(before, after)}")
            writer.reset_sequences(list(models.values()))
            progress("  提交 commit …")
        done("commit")
    finally:
        if os.path.exists(events_path):
            os.remove(events_path)
        os.rmdir(tmp)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models.values():
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        done("analyze")
    # Entries kept for an earlier database at the same place (ids reused) must not answer.
    cache.clear()
    result.total_s = time.perf_counter() - started
    return result


def _calendar(first: date, last: date) -> dict[date, bool]:
    from civicgrid.cases.models import CalendarDay

    return dict(CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "is_workday"))


def _difference(before: dict, after: dict) -> str:
    lines = []
    for table in before:
        gone = set(before[table]) - set(after.get(table, []))
        new = set(after.get(table, [])) - set(before[table])
        lines += [f"{table} 缺少 {d}" for d in sorted(gone)] + [f"{table} 多出 {d}" for d in sorted(new)]
    return "; ".join(lines)
