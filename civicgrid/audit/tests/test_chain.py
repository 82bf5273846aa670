"""The tamper-evident audit trail: rows are sealed into one keyed hash chain, and the check names the
first link that no longer holds — a changed row, a row taken out, rows cut from the end."""

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, models

from civicgrid.audit import chain
from civicgrid.audit.models import AuditEvent
from civicgrid.audit.services import audit_record
from civicgrid.core.testing import record_figure


def write(personas, n: int) -> list[AuditEvent]:
    return [
        audit_record(action="reveal", actor=personas.platform_admin, details={"field": "phone", "n": i})
        for i in range(n)
    ]


def tamper(**changes):
    """What someone with write access to the database could do (the model itself refuses)."""
    return models.QuerySet(AuditEvent).filter(**changes.pop("where")).update(**changes)


@pytest.mark.django_db
def test_sealing_chains_every_row_in_order_and_the_chain_holds(personas):
    events = write(personas, 5)
    assert chain.seal() == 5
    sealed = AuditEvent.objects.order_by("seq")
    assert [e.seq for e in sealed] == [1, 2, 3, 4, 5]
    assert [e.pk for e in sealed] == [e.pk for e in events]
    assert all(len(e.chain) == 64 for e in sealed)
    assert chain.verify().ok and chain.verify().checked == 5
    # Sealing again seals nothing; rows written later extend the chain.
    assert chain.seal() == 0
    write(personas, 2)
    assert chain.seal() == 2
    assert chain.verify().checked == 7 and chain.verify().ok
    record_figure("audit chain", rows_verified=chain.verify().checked, broken_links=0)


@pytest.mark.django_db
def test_a_changed_row_breaks_the_chain_at_that_row(personas):
    events = write(personas, 4)
    chain.seal()
    tamper(where={"pk": events[2].pk}, actor_name="someone_else")
    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_at, verdict.event_id, verdict.checked) == (False, 3, events[2].pk, 2)
    assert "第 3 条记录" in verdict.reason and "改动" in verdict.reason


@pytest.mark.django_db
def test_a_changed_detail_or_time_is_found_too(personas):
    events = write(personas, 3)
    chain.seal()
    tamper(where={"pk": events[0].pk}, details={"field": "id_number", "n": 0})
    assert chain.verify().broken_at == 1


@pytest.mark.django_db
def test_a_row_taken_out_of_the_middle_is_named(personas):
    events = write(personas, 4)
    chain.seal()
    models.QuerySet(AuditEvent).filter(pk=events[1].pk).delete()
    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_at, verdict.event_id) == (False, 2, events[2].pk)
    assert "第 2 条记录缺失" in verdict.reason


@pytest.mark.django_db
def test_rows_cut_from_the_end_are_found_by_the_head(personas):
    events = write(personas, 4)
    chain.seal()
    models.QuerySet(AuditEvent).filter(pk=events[-1].pk).delete()
    verdict = chain.verify()
    assert (verdict.ok, verdict.broken_at) == (False, 4)
    assert "末尾的记录被删除过" in verdict.reason


@pytest.mark.django_db
def test_without_the_key_nobody_can_write_a_chain_that_holds(personas, settings):
    write(personas, 2)
    settings.AUDIT_CHAIN_KEY = "a key somebody guessed"
    chain.seal()
    settings.AUDIT_CHAIN_KEY = "the platform's real key"
    assert chain.verify().broken_at == 1


@pytest.mark.django_db
def test_the_check_command_says_what_holds_and_fails_on_a_broken_link(personas):
    events = write(personas, 3)
    call_command("audit_seal")
    write(personas, 1)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "审计链完好：已核对 3 条记录，另有 1 条尚待封存。" in out.getvalue()
    tamper(where={"pk": events[1].pk}, object_repr="改过的")
    with pytest.raises(CommandError, match="审计链在第 2 条断开"):
        call_command("audit_verify")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between threads")
@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_seal_each_row_exactly_once(personas):
    write(personas, 300)
    sealed, errors = [], []

    def run():
        try:
            sealed.append(chain.seal())
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(sealed) == 300
    assert chain.verify().ok and chain.verify().checked == 300
