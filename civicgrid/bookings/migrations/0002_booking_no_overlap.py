"""No two blocking bookings (pending or confirmed) of one resource overlap: the database's rule.

PostgreSQL: an exclusion constraint over tstzrange(starts_at, ends_at, '[)') with `&&`, resource `=`
(needs the btree_gist extension). SQLite: BEFORE INSERT / BEFORE UPDATE triggers that abort. Ranges are
half-open, so a booking ending at 10:00 and the next starting at 10:00 do not overlap. Django stores
SQLite datetimes as UTC text of one format, which compares in time order (as the ORM's own lookups do).
"""

from django.db import migrations
from django.db.models import Func, Q

NAME = "booking_no_overlap"
BLOCKING = ["pending", "confirmed"]

SQLITE_CHECK = """
    SELECT RAISE(ABORT, 'booking_no_overlap: 该时段已被预约')
    WHERE EXISTS (
        SELECT 1 FROM bookings_booking AS other
        WHERE other.resource_id = NEW.resource_id
          AND other.status IN ('pending', 'confirmed')
          AND other.starts_at < NEW.ends_at
          AND NEW.starts_at < other.ends_at
          {exclude_self}
    );
"""

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER booking_no_overlap_insert
    BEFORE INSERT ON bookings_booking
    FOR EACH ROW WHEN NEW.status IN ('pending', 'confirmed')
    BEGIN {SQLITE_CHECK.format(exclude_self="")} END""",
    f"""CREATE TRIGGER booking_no_overlap_update
    BEFORE UPDATE OF resource_id, starts_at, ends_at, status ON bookings_booking
    FOR EACH ROW WHEN NEW.status IN ('pending', 'confirmed')
    BEGIN {SQLITE_CHECK.format(exclude_self="AND other.id <> NEW.id")} END""",
]


def exclusion_constraint():
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators

    class TsTzRange(Func):
        function = "TSTZRANGE"
        output_field = DateTimeRangeField()

    return ExclusionConstraint(
        name=NAME,
        index_type="gist",
        expressions=[
            ("resource", RangeOperators.EQUAL),
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(status__in=BLOCKING),
    )


def add_rule(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        from django.contrib.postgres.operations import BtreeGistExtension

        BtreeGistExtension().database_forwards("bookings", schema_editor, None, None)
        schema_editor.add_constraint(apps.get_model("bookings", "Booking"), exclusion_constraint())
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"no overlap rule for {vendor}")


def remove_rule(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # The extension stays: other tables may use it.
        schema_editor.remove_constraint(apps.get_model("bookings", "Booking"), exclusion_constraint())
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS booking_no_overlap_insert")
        schema_editor.execute("DROP TRIGGER IF EXISTS booking_no_overlap_update")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(add_rule, remove_rule, elidable=False)]
