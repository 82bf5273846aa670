"""`manage.py synth`: a deterministic synthetic city for benchmarks and load tests."""

import json
from datetime import date, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from civicgrid.accounts.demo import DEMO_PASSWORD
from civicgrid.synth.generate import SHANGHAI
from civicgrid.synth.load import load_city


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = (
        "生成确定性的模拟城市（组织架构、人员、一标三实、问题、走访），用于基准与压力测试。"
        "Fill the database with a deterministic synthetic city."
    )

    def add_arguments(self, parser):
        parser.add_argument("--grids", type=int, default=100, help="网格数（约 10 个网格一个社区）。")
        parser.add_argument("--people", type=int, default=10_000, help="实有人口数。")
        parser.add_argument("--cases", type=int, default=10_000, help="问题数（--year-end 之前 12 个月）。")
        parser.add_argument("--visits", type=int, default=10_000, help="走访数（同一年内）。")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：相同参数与种子生成相同数据。")
        parser.add_argument(
            "--year-end", type=_date, default=None, help="数据截止日（YYYY-MM-DD，北京时间零点；默认今天）。"
        )
        parser.add_argument("--password", default=DEMO_PASSWORD, help="所有模拟账号的共用密码。")
        parser.add_argument("--force", action="store_true", help="数据库已有数据时仍然追加。")
        parser.add_argument("--checksums", action="store_true", help="最后输出主要表的校验和（JSON）。")

    def progress(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()  # seen as it happens, also when the output goes to a file

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_ALLOWED", True):
            raise CommandError("模拟数据不能加载到生产环境（DEMO_ALLOWED=False）。")
        for name in ("grids", "people", "cases", "visits"):
            if options[name] < (1 if name == "grids" else 0):
                raise CommandError(f"--{name} 不能小于 {1 if name == 'grids' else 0}。")
        year_end = options["year_end"] or datetime.now(SHANGHAI).date()
        self.stdout.write(
            f"模拟城市：{options['grids']:,} 个网格，{options['people']:,} 人，{options['cases']:,} 个问题，"
            f"{options['visits']:,} 次走访，种子 {options['seed']}，截至 {year_end}。"
        )
        result = load_city(
            grids=options["grids"],
            people=options["people"],
            cases=options["cases"],
            visits=options["visits"],
            seed=options["seed"],
            year_end=year_end,
            password=options["password"],
            force=options["force"],
            progress=self.progress,
        )
        self.stdout.write("")
        for line in result.table():
            self.stdout.write(line)
        if result.indexes_identical is not None:
            self.stdout.write(f"索引与约束已原样重建：{'是' if result.indexes_identical else '否'}")
        self.stdout.write(
            self.style.SUCCESS(
                f"模拟城市已就绪。网格员账号 g000001 …，社区负责人 c00001 …，密码 {options['password']}。"
            )
        )
        if options["checksums"]:
            from civicgrid.synth.checks import table_checksums

            self.stdout.write("CHECKSUMS " + json.dumps(table_checksums(), sort_keys=True))
