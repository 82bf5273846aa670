from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicgrid.core import backup


class Command(BaseCommand):
    help = "Back up the database (online) and the uploaded files into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(settings.VAR_DIR / "backups"), help="where to put it")

    def handle(self, *args, output, **options):
        try:
            folder = backup.backup(output)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"备份完成：{folder}")
