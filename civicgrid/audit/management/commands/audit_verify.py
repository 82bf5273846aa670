from django.core.management.base import BaseCommand, CommandError

from civicgrid.audit import chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; name the first broken link (exit status 1)."

    def handle(self, *args, **options):
        verdict = chain.verify()
        if not verdict.ok:
            raise CommandError(f"审计链在第 {verdict.broken_at} 条断开：{verdict.reason}")
        unsealed = chain.AuditEvent.objects.filter(seq__isnull=True).count()
        self.stdout.write(f"审计链完好：已核对 {verdict.checked} 条记录，另有 {unsealed} 条尚待封存。")
