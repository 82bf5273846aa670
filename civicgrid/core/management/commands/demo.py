"""Load the demo street: each app's `demo.load(ctx)` runs in INSTALLED_APPS order (lowest layer first)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "加载演示街道（确定性、可重复运行）。Load the deterministic, idempotent demo street."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="只在数据库没有组织单元时加载。")
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号。")
        parser.add_argument(
            "--scale", type=int, default=1, help="登记数据规模倍数（用于基准测试；0 表示不生成住户与人口）。"
        )

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_ALLOWED", True):
            raise CommandError("演示数据不能加载到生产环境（DEMO_ALLOWED=False）。")
        from civicgrid.org.models import OrgUnit

        modules = [
            import_module(f"{config.name}.demo")
            for config in apps.get_app_configs()
            if config.name.startswith("civicgrid.") and find_spec(f"{config.name}.demo") is not None
        ]
        if options["if_empty"] and OrgUnit.objects.exists():
            self.stdout.write("数据库已有数据，跳过演示数据加载。")
        else:
            ctx: dict = {"stdout": self.stdout, "scale": options["scale"]}
            with transaction.atomic():
                for module in modules:
                    module.load(ctx)
            # Entries kept for an earlier database at the same place (ids reused) must not answer.
            cache.clear()
            self.stdout.write(self.style.SUCCESS("演示街道已就绪。"))
        if not options["quiet_logins"]:
            for module in modules:
                for line in getattr(module, "logins", list)():
                    self.stdout.write(line)
