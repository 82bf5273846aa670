from django.core.management.base import BaseCommand, CommandError

from civicgrid.core import backup


class Command(BaseCommand):
    help = "Replace the database and the uploaded files with a backup, then check every table against it."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="a directory written by manage.py backup")
        parser.add_argument("--yes", action="store_true", help="yes, replace the current data")

    def handle(self, *args, folder, yes, **options):
        if not yes:
            raise CommandError("恢复会用备份替换当前全部数据和上传文件；确认请加 --yes。")
        try:
            manifest = backup.restore(folder)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        tables = manifest["tables"]
        rows = sum(t["rows"] for t in tables.values())
        self.stdout.write(
            f"恢复完成：{len(tables)} 张数据表、{rows} 行与备份一致（备份时间 {manifest['created_at']}）。"
        )
