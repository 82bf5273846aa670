"""Backup and restore: back up, destroy, restore — every table's rows and the uploaded files are back,
on SQLite (online backup) and on PostgreSQL (pg_dump / pg_restore)."""

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgrid.core import backup
from civicgrid.core.testing import record_figure
from civicgrid.org.models import OrgUnit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "cases").mkdir(parents=True)
    photo = settings.MEDIA_ROOT / "cases" / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 a photo")
    return photo


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_back_up_destroy_restore_gives_every_table_and_file_back(personas, tree, media, tmp_path):
    before = backup.fingerprints()
    out = StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    folder = next((tmp_path / "backups").iterdir())
    assert f"备份完成：{folder}" in out.getvalue()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"] == before and manifest["media_files"] == 1
    assert manifest["tables"]["org_orgunit"]["rows"] == OrgUnit.objects.count() > 0

    # Disaster: units renamed, a grid gone, a photo lost, a stray file left.
    OrgUnit.objects.filter(pk=tree.grid_b1.pk).update(name="被改的网格")
    OrgUnit.objects.filter(pk=tree.grid_a2.pk).delete()
    media.unlink()
    (media.parent / "stray.txt").write_text("x")
    assert backup.fingerprints() != before

    out = StringIO()
    call_command("restore", str(folder), yes=True, stdout=out)
    assert "恢复完成" in out.getvalue() and "与备份一致" in out.getvalue()
    restored = backup.fingerprints()
    record_figure(
        "backup/restore", tables=len(before), tables_equal=sum(restored[t] == before[t] for t in before)
    )
    assert restored == before
    assert OrgUnit.objects.get(pk=tree.grid_b1.pk).name == tree.grid_b1.name
    assert OrgUnit.objects.filter(pk=tree.grid_a2.pk).exists()
    assert media.read_bytes() == b"\xff\xd8 a photo"
    assert not (media.parent / "stray.txt").exists()


def test_restore_asks_for_a_yes_and_refuses_what_is_not_a_backup(personas, tmp_path):
    with pytest.raises(CommandError, match="确认请加 --yes"):
        call_command("restore", str(tmp_path))
    before = backup.fingerprints()
    with pytest.raises(CommandError, match="不是完整的备份"):
        call_command("restore", str(tmp_path), yes=True)
    assert backup.fingerprints() == before  # nothing was touched
