"""Demo accounts for every role of SPEC §1, with realistic Chinese names; one shared demo password."""

import base64
import hashlib
import random

from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.org.choices import Role
from civicgrid.org.services import membership_grant

from .choices import AccountKind
from .models import User
from .selectors import second_factor_roles
from .services import user_create

DEMO_PASSWORD = "Kaixuan@2026"  # nosec B105
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢傅钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建国文辉鹏飞宇浩然思远欣怡雨涵子轩梓涵晨曦佳琪俊杰婷颖晓东海燕春梅志强永刚丹凤立新振华慧敏雪梅"


class NameSource:
    """Deterministic, unique Chinese names."""

    def __init__(self, seed: int = 2026):
        self.random = random.Random(seed)  # nosec B311
        self.used: set[str] = set()

    def next(self) -> str:
        while True:
            given = "".join(self.random.choice(GIVEN) for _ in range(self.random.choice((1, 2, 2))))
            name = self.random.choice(SURNAMES) + given
            if name not in self.used:
                self.used.add(name)
                return name


def demo_totp_key(username: str) -> str:
    """A fixed TOTP key per demo account, so the printed secret stays valid across reloads."""
    return hashlib.sha1(f"civicgrid-demo-totp:{username}".encode(), usedforsecurity=False).hexdigest()


def totp_secret_base32(key_hex: str) -> str:
    return base64.b32encode(bytes.fromhex(key_hex)).decode()


class _Loader:
    def __init__(self, ctx: dict):
        self.ctx = ctx
        self.names = NameSource()
        self.password_hash = make_password(DEMO_PASSWORD)

    def user(self, username: str, *, kind=AccountKind.STAFF, phone: str = "", **flags) -> User:
        name = self.names.next()  # drawn even when the user exists, so names stay stable across runs
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            return existing
        return user_create(
            username=username,
            full_name=name,
            kind=kind,
            phone=phone,
            password_hash=self.password_hash,
            **flags,
        )

    def staff(self, username: str, unit, role: str, title: str = "", **kwargs) -> User:
        user = self.user(username, **kwargs)
        membership_grant(user=user, unit=unit, role=role, title=title)
        return user

    def totp(self, user: User) -> str:
        key = demo_totp_key(user.username)
        TOTPDevice.objects.get_or_create(
            user=user, name="演示验证器", defaults={"key": key, "confirmed": True}
        )
        return totp_secret_base32(key)


def load(ctx: dict) -> None:
    loader = _Loader(ctx)
    street, communities, grids = ctx["street"], ctx["communities"], ctx["grids"]

    loader.staff("admin", street, Role.PLATFORM_ADMIN, "平台管理员", is_staff=True, is_superuser=True)
    loader.staff("leader01", street, Role.STREET_LEADER, "街道党工委书记")
    loader.staff("leader02", street, Role.STREET_LEADER, "分管副主任")
    for i in range(1, 3):
        loader.staff(f"dispatcher{i:02d}", street, Role.DISPATCHER, "云平台中心值班员")
    for i in range(1, 3):
        loader.staff(f"supervisor{i:02d}", street, Role.SUPERVISOR, "网格指导员")
    for i, community in enumerate(communities[:2], start=3):
        loader.staff(f"supervisor{i:02d}", community, Role.SUPERVISOR, "社区监督员")
    for i, community in enumerate(communities, start=1):
        loader.staff(f"head{i:02d}", community, Role.COMMUNITY_HEAD, "社区书记")
    for i, grid in enumerate(grids, start=1):
        loader.staff(f"grid{i:03d}", grid, Role.GRID_WORKER, "网格责任社工")
    for i in range(0, len(grids), 2):
        assistant = loader.user(f"assist{i // 2 + 1:03d}")
        for grid in grids[i : i + 2]:
            membership_grant(user=assistant, unit=grid, role=Role.GRID_ASSISTANT, title="网格协管员")
    for department, slug in ctx["departments"]:
        for i in range(1, 3):
            loader.staff(f"{slug}{i:02d}", department, Role.DEPARTMENT_STAFF, "科员")
    for agency, slug in ctx["agencies"]:
        for i in range(1, 3):
            loader.staff(f"{slug}{i:02d}", agency, Role.AGENCY_STAFF, "民警" if slug == "police" else "队员")
    for i in range(1, 21):
        loader.staff(
            f"volunteer{i:02d}",
            communities[(i - 1) % len(communities)],
            Role.VOLUNTEER,
            "红马甲志愿者",
            kind=AccountKind.RESIDENT,
            phone=f"1390571{i:04d}",
        )
    for i in range(1, 21):
        loader.staff(
            f"resident{i:02d}",
            communities[(i - 1) % len(communities)],
            Role.RESIDENT,
            kind=AccountKind.RESIDENT,
            phone=f"1380571{i:04d}",
        )
    for i, title in enumerate(["凯旋商贸有限公司", "景芳文化艺术团", "秋涛路便民超市"], start=1):
        loader.staff(
            f"org{i:02d}",
            communities[i - 1],
            Role.ORG_ADMIN,
            title,
            kind=AccountKind.ORGANISATION,
            phone=f"1370571{i:04d}",
        )

    for user in User.objects.filter(memberships__role__in=second_factor_roles()).distinct():
        loader.totp(user)


def logins() -> list[str]:
    """The demo log-ins, printed by `demo` and by `scripts/run` at every start."""
    names = ("admin", "leader01", "leader02", "head01")
    secrets = {name: totp_secret_base32(demo_totp_key(name)) for name in names}
    return [
        "",
        f"演示账号（密码均为 {DEMO_PASSWORD}） Demo log-ins (password {DEMO_PASSWORD} for all):",
        "  平台管理员 platform_admin   admin          （需动态验证码 / TOTP）",
        "  街道领导   street_leader    leader01, leader02 （需动态验证码 / TOTP）",
        "  云平台中心 dispatcher       dispatcher01, dispatcher02",
        "  网格指导员 supervisor       supervisor01 … supervisor04",
        "  社区负责人 community_head   head01 … head14 （需动态验证码 / TOTP）",
        "  网格社工   grid_worker      grid001 … grid169",
        "  网格协管员 grid_assistant   assist001 … assist085",
        "  科室人员   department_staff zzb01 (综治办), cgk01 (城管科), mzk01 (民政科) …",
        "  职能部门   agency_staff     police01 (派出所), zfzd01 (执法中队), scjg01 (市场监管所)",
        "  志愿者     volunteer        手机号 13905710001 … 13905710020（居民登录页）",
        "  居民       resident         手机号 13805710001 … 13805710020（居民登录页）",
        "  单位       org_admin        手机号 13705710001 … 13705710003（居民登录页）",
        "",
        "动态验证码（TOTP）密钥，可导入任意验证器应用；或运行 `scripts/manage totp_code <账号>` 查看当前验证码：",
        *[f"  {name:<10} {secret}" for name, secret in secrets.items()],
    ]
