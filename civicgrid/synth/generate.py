"""A deterministic synthetic city: the rows of every table, generated as plain tuples.

Everything follows from the arguments and the seed. Each table draws from its own random stream
(`random.Random("<seed>:<table>")`, seeded through SHA-512, so not affected by hash randomisation),
and ids are assigned here, not by the database, so that a row can point at rows of another table
without reading them back. Encrypted columns are sealed with initialisation vectors drawn from the
seed and the data's own moment as the token time: the same run writes the same bytes, and every token
still opens with the app's key (`core.crypto.decrypt`).

The case flow is simulated event by event up to the moment NOW (the start of `--year-end`, Beijing
time), following the services: claim limit → claim or dispatch by rule (or the dispatcher's queue),
on-site verification, resolution in working time, check and close, with returns, reopenings and
disputes on the way. The sweep runs on the minute: a deadline or yellow moment that passed while its
stage was running carries the sweep's mark at the next whole minute (red_at, yellow_notified_at, and
their timeline entries), so the sweep finds nothing to do at NOW and the lights the app derives
from the columns are the ones simulated.
"""

# The case flow's helpers are closures over the case being simulated: each is defined and used
# within one iteration of the loop, never later, which is what B023 warns about.
# ruff: noqa: B023

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import random
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from civicgrid.core.crypto import _derive
from civicgrid.registry.validators import id_check_digit

from .copy import escape

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3600
DAY = 86400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NULL = r"\N"

GRIDS_PER_COMMUNITY = 10
COMMUNITIES_PER_STREET = 15
STREETS_PER_DISTRICT = 8
# The lattice: a grid is a cell of 0.0025° × 0.002° (about 240 m × 220 m at 30° N); a community is
# 5 × 2 cells, a street 5 × 3 communities; the streets tile a near-square around the city centre.
CENTRE = (120.17, 30.28)
CELL_W, CELL_H = 0.0025, 0.002
COMMUNITY_COLS, COMMUNITY_ROWS = 5, 2
STREET_COLS, STREET_ROWS = 5, 3

CITY = ("杭州市", "330100")
DISTRICTS = [
    ("上城区", "330102"),
    ("拱墅区", "330105"),
    ("西湖区", "330106"),
    ("滨江区", "330108"),
    ("萧山区", "330109"),
    ("余杭区", "330110"),
    ("富阳区", "330111"),
    ("临安区", "330112"),
    ("临平区", "330113"),
    ("钱塘区", "330114"),
    ("桐庐县", "330122"),
    ("淳安县", "330127"),
    ("建德市", "330182"),
]
PLACE_WORDS = [
    "凯旋",
    "景芳",
    "采荷",
    "望江",
    "紫阳",
    "清波",
    "湖滨",
    "小营",
    "南星",
    "闸弄口",
    "四季青",
    "彭埠",
    "笕桥",
    "九堡",
    "丁兰",
    "米市",
    "湖墅",
    "和睦",
    "大关",
    "祥符",
    "拱宸",
    "半山",
    "文新",
    "翠苑",
    "古荡",
    "北山",
    "西溪",
    "灵隐",
    "转塘",
    "留下",
    "蒋村",
    "三墩",
    "长庆",
    "朝晖",
    "潮鸣",
    "天水",
    "武林",
    "石桥",
    "东新",
    "康桥",
    "白杨",
    "下沙",
    "义蓬",
    "河庄",
    "临江",
    "浦沿",
    "长河",
    "西兴",
    "宁围",
    "新塘",
    "城厢",
    "北干",
    "蜀山",
]
COMMUNITY_SUFFIXES = [
    "新村",
    "花园",
    "苑",
    "里",
    "坊",
    "东",
    "西",
    "南",
    "北",
    "家园",
    "公寓",
    "嘉园",
    "雅苑",
    "景园",
    "华庭",
    "名苑",
    "新城",
    "社区中心",
]
ROAD_SUFFIXES = ["路", "街", "大道", "巷"]

# 百家姓 by rough frequency: the first ones are much more common.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁"
    "任沈姚卢傅钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"
)
SURNAME_WEIGHTS = [max(1.0, 80.0 / (1 + i * 0.35)) for i in range(len(SURNAMES))]
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏飞宇浩然俊杰志强永建国文华东海龙斌峰波亮帅博晨轩睿泽宁凯鑫"
GIVEN_FEMALE = "芳娜秀英敏静丽艳娟霞桂兰萍红玉梅琳婷颖欣怡雨涵梓晨曦佳琪慧雪凤丹洁倩璐瑶媛妍悦彤诗"

# ID numbers of people who came from elsewhere (流动人口): county codes of other provinces.
FLOATING_REGIONS = [
    "340102", "340104", "341202", "360102", "362502", "410102", "411302", "420102", "421002",
    "430102", "431102", "511002", "510104", "320102", "321302", "330302", "330402", "330602",
    "350102", "370102", "450102", "500101", "522101", "610102",
]  # fmt: skip
OVERSEAS_REGIONS = ["810000", "820000", "830000"]  # 港澳台居民居住证 numbers
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "175", "176", "177", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "195", "198", "199",
]  # fmt: skip

HOUSEHOLD_SIZES = [1, 2, 3, 4, 5, 6]
HOUSEHOLD_WEIGHTS = [16, 30, 27, 15, 9, 3]
ENTRANCES_PER_BUILDING, FLOORS, ROOMS_PER_FLOOR = 2, 6, 2
ROOMS_PER_BUILDING = ENTRANCES_PER_BUILDING * FLOORS * ROOMS_PER_FLOOR

CATEGORY_WEIGHTS = {
    "illegal_activity": 2,
    "illegal_construction": 6,
    "illegal_renting": 4,
    "sanitation": 12,
    "environment": 20,
    "municipal": 15,
    "safety": 12,
    "dispute": 10,
    "civil_affairs": 8,
    "suggestion": 11,
}
# Channels of the categories that are not rewarded reports (those come from volunteers).
CHANNELS = [("visit", 45), ("patrol", 12), ("hotline", 20), ("agency", 8), ("open311", 5)]
# A suggestion that no rule routes is dispatched by hand, to this department.
SUGGESTION_DEPARTMENT = "社会事务科"
DISPUTE_DEPARTMENT = "综治办"
VISIT_NOTES = [
    "入户走访，了解家庭近况，无异常。",
    "核对户内人员信息，与登记一致。",
    "宣传反诈知识，发放宣传资料。",
    "了解老人身体状况，提醒按时体检。",
    "宣传垃圾分类，住户表示配合。",
    "检查楼道消防设施，提醒不在楼道充电。",
    "了解就业情况，介绍社区招聘信息。",
    "听取住户对小区物业的意见建议。",
]
VISIT_MET = ["户主本人", "户主及家属", "家属", "租户", "户主配偶"]
RESOLVE_NOTES = ["已协调处理完毕", "已现场整改到位", "已联系相关单位处置完毕", "已答复并解决"]
CLOSE_NOTES = {
    "resolved": "经核查已整改到位",
    "unable": "客观条件限制，暂无法解决，已向报告人说明",
    "not_ours": "非本辖区职责，已转交相关部门",
}


def _weighted(rng: random.Random, items: list, weights: list) -> callable:
    """A fast weighted choice: one random number and a bisect per draw."""
    total, cum = 0.0, []
    for w in weights:
        total += w
        cum.append(total)
    rand = rng.random

    def draw():
        return items[bisect_left(cum, rand() * total)]

    return draw


def tick(t: float) -> int:
    """The sweep runs on the minute: the first run at or after `t`."""
    return int(math.ceil(t / 60.0) * 60)


def ts(t: float) -> datetime:
    return EPOCH + timedelta(seconds=int(t))


_DAYS: dict[int, str] = {}


def ts_text(t: float) -> str:
    """`YYYY-MM-DD HH:MM:SS+00` for COPY text, the date part kept per day."""
    day, second = divmod(int(t), DAY)
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
    hour, second = divmod(second, HOUR)
    minute, second = divmod(second, 60)
    return f"{text} {hour:02d}:{minute:02d}:{second:02d}+00"


def case_number(reported: int, pk: int) -> str:
    local = (EPOCH + timedelta(seconds=reported + 8 * HOUR)).strftime("%Y%m%d")
    return f"{local}{pk:07d}" if pk < 10_000_000 else f"{local}{pk}"


# --------------------------------------------------------------------------------- people's data


class Names:
    """Chinese names: surnames by frequency, one or two given characters by sex."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surname = _weighted(rng, list(SURNAMES), SURNAME_WEIGHTS)

    def given(self, sex: str) -> str:
        pool = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
        choice = self.rng.choice
        return choice(pool) + choice(pool) if self.rng.random() < 0.8 else choice(pool)

    def full(self, sex: str, surname: str | None = None) -> str:
        return (surname or self.surname()) + self.given(sex)


def id_number(region: str, birth: date, sequence: int, sex: str) -> str:
    """GB 11643: region, birth date, a three-digit sequence (odd for men), check digit."""
    sequence = sequence - sequence % 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


class Sealer:
    """Fernet tokens and blind indexes as `core.crypto` makes them, for many values at once.

    The token is Fernet's documented format (version 0x80, time, IV, AES-128-CBC ciphertext,
    HMAC-SHA256), so `core.crypto.decrypt()` opens it (the tests decrypt every one). The IVs are
    random, as Fernet's own; the time is the data's moment. CBC is computed block by block over the
    whole batch with one AES call per block position instead of one Fernet call per value: a million
    people are sealed in seconds rather than minutes. The data stay deterministic where it matters:
    the checksums read the values in clear."""

    def __init__(self, rng: random.Random, moment: int):
        # Fernet(urlsafe_b64encode(key)) signs with the first half and encrypts with the second.
        key = _derive(b"civicgrid:field-encryption:v1")
        self.signing, encryption = key[:16], key[16:]
        # ECB on single blocks, chained into CBC below (see docs/security/bandit.md).
        self.ecb = Cipher(algorithms.AES(encryption), modes.ECB()).encryptor()  # nosec B305
        self.header = b"\x80" + moment.to_bytes(8, "big")
        self.rng = rng
        self.mac = hmac.new(self.signing, digestmod=hashlib.sha256)
        self.index_macs = {}
        self.last4: dict[str, str] = {}

    def seal_many(self, values: list[str]) -> list[str]:
        import numpy as np

        out: list[str] = [""] * len(values)
        groups: dict[int, list[int]] = {}
        data = [v.encode() for v in values]
        for i, raw in enumerate(data):
            if raw:
                groups.setdefault(len(raw) // 16 + 1, []).append(i)
        for blocks, members in groups.items():
            n = len(members)
            padded = bytearray()
            for i in members:
                raw = data[i]
                pad = blocks * 16 - len(raw)
                padded += raw + bytes([pad]) * pad
            plain = np.frombuffer(bytes(padded), dtype=np.uint8).reshape(n, blocks, 16)
            ivs = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16)
            previous = ivs
            cipher = np.empty((n, blocks, 16), dtype=np.uint8)
            for b in range(blocks):
                mixed = np.bitwise_xor(plain[:, b, :], previous)
                encrypted = self.ecb.update(mixed.tobytes())
                previous = np.frombuffer(encrypted, dtype=np.uint8).reshape(n, 16)
                cipher[:, b, :] = previous
            iv_bytes, cipher_bytes = ivs.tobytes(), cipher.tobytes()
            size = blocks * 16
            header, mac, encode = self.header, self.mac, base64.urlsafe_b64encode
            for k, i in enumerate(members):
                body = header + iv_bytes[16 * k : 16 * k + 16] + cipher_bytes[size * k : size * (k + 1)]
                h = mac.copy()
                h.update(body)
                out[i] = encode(body + h.digest()).decode()
        return out

    def index(self, value: str, purpose: str) -> str:
        """core.crypto.blind_index(value, purpose=purpose), with the derived key kept."""
        mac = self.index_macs.get(purpose)
        if mac is None:
            mac = self.index_macs[purpose] = hmac.new(
                _derive(b"civicgrid:blind-index:" + purpose.encode()), digestmod=hashlib.sha256
            )
        h = mac.copy()
        h.update(value.strip().upper().encode())
        return h.hexdigest()

    def index_last4(self, number: str) -> str:
        last4 = number[-4:]
        digest = self.last4.get(last4)
        if digest is None:
            digest = self.last4[last4] = self.index(last4, "id_last4")
        return digest


def mask(value: str, keep_start: int = 3, keep_end: int = 4) -> str:
    """core.crypto.mask for values longer than keep_start + keep_end."""
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


# -------------------------------------------------------------------------------------- time


class WorkClock:
    """sla.add_hours / yellow_moment on epoch seconds in O(log n): a day counts whole when it is a
    workday (weekday rule, CalendarDay overrides). Beijing time has no daylight saving, so local
    days start at a fixed offset."""

    def __init__(self, first: date, last: date, overrides: dict[date, bool]):
        n = (last - first).days + 1
        days = [first + timedelta(days=i) for i in range(n)]
        self.work = [overrides.get(d, d.weekday() < 5) for d in days]
        self.cum = [0]
        for w in self.work:
            self.cum.append(self.cum[-1] + (DAY if w else 0))
        self.start = (first - date(1970, 1, 1)).days * DAY - 8 * HOUR

    def w(self, t: float) -> float:
        x = t - self.start
        i = int(x // DAY)
        return self.cum[i] + (x - i * DAY if self.work[i] else 0)

    def t(self, w: float) -> float:
        i = max(bisect_left(self.cum, w) - 1, 0)
        return self.start + i * DAY + (w - self.cum[i])

    def add(self, t: float, hours: float, working: bool) -> float:
        return self.t(self.w(t) + hours * HOUR) if working else t + hours * HOUR

    def yellow(self, start: float, due: float, ratio: float, working: bool) -> float:
        if not working:
            return start + (due - start) * ratio
        ws = self.w(start)
        return self.t(ws + (self.w(due) - ws) * ratio)


# -------------------------------------------------------------------------------------- city


@dataclass
class Unit:
    id: int
    kind: str
    name: str
    code: str
    path: str = ""
    boundary: dict | None = None
    children: list[Unit] = field(default_factory=list)


@dataclass
class Grid:
    index: int
    unit: Unit
    community: int  # index into City.communities
    street: int
    district: int
    box: tuple[float, float, float, float]  # west, south, east, north
    road: str
    worker: int = 0  # user ids, set with the staff
    head: int = 0
    volunteer: int = 0


def _rect(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _place(i: int) -> str:
    words = len(PLACE_WORDS)
    base = PLACE_WORDS[i % words] + (PLACE_WORDS[(i // words) % words] if i >= words else "")
    return base + (str(i // (words * words) + 1) if i >= words * words else "")


class City:
    """City → districts → streets (with departments and agencies) → communities → grids, laid out
    on a lattice of squares: every grid's boundary touches its neighbours' exactly, so a point falls
    in one grid."""

    def __init__(self, grids: int, first_id: int):
        from civicgrid.org.demo import AGENCIES, DEPARTMENTS
        from civicgrid.org.models import OrgUnit

        n_communities = math.ceil(grids / GRIDS_PER_COMMUNITY)
        n_streets = math.ceil(n_communities / COMMUNITIES_PER_STREET)
        n_districts = min(len(DISTRICTS), max(1, math.ceil(n_streets / STREETS_PER_DISTRICT)))
        self.next_id = first_id
        self.units: list[Unit] = []
        self.grids: list[Grid] = []
        self.communities: list[Unit] = []
        self.community_street: list[int] = []
        self.streets: list[Unit] = []
        self.street_district: list[int] = []
        self.departments: list[dict[str, Unit]] = []  # per street, by name
        self.agencies: list[list[Unit]] = []
        self.districts: list[Unit] = []

        street_w = STREET_COLS * COMMUNITY_COLS * CELL_W
        street_h = STREET_ROWS * COMMUNITY_ROWS * CELL_H
        cols = max(1, round(math.sqrt(n_streets * street_h / street_w)))
        rows = math.ceil(n_streets / cols)
        west0 = CENTRE[0] - cols * street_w / 2
        north0 = CENTRE[1] + rows * street_h / 2

        self.city = self._unit(None, "city", *CITY)
        per_district = math.ceil(n_streets / n_districts)
        grid_index = community_index = 0
        for s in range(n_streets):
            d = s // per_district
            if d == len(self.districts):
                self.districts.append(self._unit(self.city, "district", *DISTRICTS[d]))
            district = self.districts[d]
            local = s - d * per_district
            s_west = west0 + (s % cols) * street_w
            s_north = north0 - (s // cols) * street_h
            street_box = (s_west, s_north - street_h, s_west + street_w, s_north)
            street = self._unit(
                district, "street", f"{_place(s)}街道", f"{district.code}{local + 1:03d}", _rect(*street_box)
            )
            self.streets.append(street)
            self.street_district.append(d)
            road = _place(s) + ROAD_SUFFIXES[(s // len(PLACE_WORDS)) % len(ROAD_SUFFIXES)]
            grid_in_street = 0
            for c in range(COMMUNITIES_PER_STREET):
                if community_index == n_communities:
                    break
                c_west = s_west + (c % STREET_COLS) * COMMUNITY_COLS * CELL_W
                c_north = s_north - (c // STREET_COLS) * COMMUNITY_ROWS * CELL_H
                c_box = (c_west, c_north - COMMUNITY_ROWS * CELL_H, c_west + COMMUNITY_COLS * CELL_W, c_north)
                words = len(COMMUNITY_SUFFIXES)
                name = f"{_place(community_index // words)}{COMMUNITY_SUFFIXES[community_index % words]}社区"
                community = self._unit(street, "community", name, f"{street.code}{c + 1:03d}", _rect(*c_box))
                self.communities.append(community)
                self.community_street.append(s)
                for g in range(GRIDS_PER_COMMUNITY):
                    if grid_index == grids:
                        break
                    g_west = c_west + (g % COMMUNITY_COLS) * CELL_W
                    g_north = c_north - (g // COMMUNITY_COLS) * CELL_H
                    box = (g_west, g_north - CELL_H, g_west + CELL_W, g_north)
                    unit = self._unit(
                        community,
                        "grid",
                        f"{name}第{g + 1:02d}网格",
                        f"{community.code}{g + 1:03d}",
                        _rect(*box),
                    )
                    grid_in_street += 1
                    self.grids.append(
                        Grid(grid_index, unit, community_index, s, d, box, f"{road}{grid_in_street}号")
                    )
                    grid_index += 1
                community_index += 1
            self.departments.append(
                {
                    name: self._unit(street, "department", name, f"{street.code}D{i + 1:02d}")
                    for i, (name, _slug) in enumerate(DEPARTMENTS)
                }
            )
            self.agencies.append(
                [
                    self._unit(
                        street,
                        "agency",
                        f"{_place(s)}{name.removeprefix('凯旋')}",
                        f"{street.code}A{i + 1:02d}",
                    )
                    for i, (name, _slug) in enumerate(AGENCIES)
                ]
            )
        # Materialised paths as treebeard writes them: each child's step follows its elder sibling's.
        self.city.path = OrgUnit._get_path(None, 1, 1)
        stack = [(self.city, 1)]
        while stack:
            unit, depth = stack.pop()
            for i, child in enumerate(unit.children, start=1):
                child.path = OrgUnit._get_path(unit.path, depth + 1, i)
                stack.append((child, depth + 1))

    def _unit(self, parent: Unit | None, kind: str, name: str, code: str, boundary=None) -> Unit:
        unit = Unit(self.next_id, kind, name, code, boundary=boundary)
        self.next_id += 1
        self.units.append(unit)
        if parent is not None:
            parent.children.append(unit)
        return unit


# ------------------------------------------------------------------------------------ synth


@dataclass
class Category:
    id: int
    code: str
    policy_id: int
    rewarded: bool
    anonymous: bool
    claim: float
    verify: float | None
    resolve: float
    dispute: float | None
    ratio: float
    working: bool
    department: str | None  # the department its rule dispatches to (None: the community, or none)
    texts: list[str]


class Synth:
    """The rows of one synthetic city. Call the row methods in the order the command does:
    `visit_rows` fills what the households' and people's rows then read (last verification)."""

    def __init__(
        self,
        *,
        grids: int,
        people: int,
        cases: int,
        visits: int,
        seed: int,
        now: datetime,
        first_ids: dict[str, int],
        password_hash: str,
        second_factor_roles: frozenset[str],
    ):
        self.n_grids, self.n_people, self.n_cases, self.n_visits = grids, people, cases, visits
        self.seed = seed
        self.now = int(now.timestamp())
        self.start = self.now - 365 * DAY
        self.first = first_ids
        self.password_hash = password_hash
        self.second_factor_roles = second_factor_roles
        self.city = City(grids, first_ids["unit"] + 1)
        self.counts: dict[str, int] = {}
        self.expected_lights: dict[int, str] | None = None  # filled for small runs (tests)

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")  # nosec B311

    # ------------------------------------------------------------------------------ org units

    UNIT_FIELDS = ["id", "path", "depth", "numchild", "name", "kind", "code", "boundary", "phone",
                   "is_active", "created_at", "updated_at"]  # fmt: skip

    def unit_rows(self) -> Iterator[tuple]:
        at = ts(self.start - 30 * DAY)
        rng = self.rng("units")
        for u in self.city.units:
            phone = f"0571-8{rng.randrange(10**6, 10**7)}" if u.kind in ("street", "community") else ""
            yield (u.id, u.path, len(u.path) // 4, len(u.children), u.name, u.kind, u.code, u.boundary,
                   phone, True, at, at)  # fmt: skip

    # ---------------------------------------------------------------------------------- staff

    USER_FIELDS = ["id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
                   "email", "is_staff", "is_active", "date_joined", "full_name", "kind", "phone", "phone_index",
                   "password_changed_at"]  # fmt: skip
    MEMBERSHIP_FIELDS = ["id", "user_id", "unit_id", "role", "title", "is_active", "created_at"]

    def plan_staff(self) -> None:
        """Who works where, with ids: one platform admin, per street a leader and a dispatcher, one
        person per department and agency, per community a head and a volunteer, per grid a worker."""
        city = self.city
        people: list[tuple] = []  # (username, kind, unit, role, title, superuser)
        people.append(("synadmin", "staff", city.city, "platform_admin", "平台管理员", True))
        for s, street in enumerate(city.streets):
            people.append((f"l{s + 1:04d}", "staff", street, "street_leader", "街道党工委书记", False))
            people.append((f"d{s + 1:04d}", "staff", street, "dispatcher", "云平台中心值班员", False))
        k = 0
        self.department_staff: list[dict[str, int]] = []
        self.agency_staff: list[list[int]] = []
        first_user = self.first["user"] + 1
        for s in range(len(city.streets)):
            staff = {}
            for name, unit in city.departments[s].items():
                k += 1
                staff[name] = first_user + len(people)
                people.append((f"k{k:05d}", "staff", unit, "department_staff", "科员", False))
            self.department_staff.append(staff)
        k = 0
        for s in range(len(city.streets)):
            ids = []
            for unit in city.agencies[s]:
                k += 1
                ids.append(first_user + len(people))
                people.append((f"a{k:05d}", "staff", unit, "agency_staff", "队员", False))
            self.agency_staff.append(ids)
        self.heads, self.volunteers = [], []
        for c, community in enumerate(city.communities):
            self.heads.append(first_user + len(people))
            people.append((f"c{c + 1:05d}", "staff", community, "community_head", "社区书记", False))
            self.volunteers.append(first_user + len(people))
            people.append((f"v{c + 1:05d}", "resident", community, "volunteer", "红马甲志愿者", False))
        for grid in city.grids:
            grid.worker = first_user + len(people)
            people.append(
                (f"g{grid.index + 1:06d}", "staff", grid.unit, "grid_worker", "网格责任社工", False)
            )
            grid.head = self.heads[grid.community]
            grid.volunteer = self.volunteers[grid.community]
        self.leaders = [first_user + 1 + 2 * s for s in range(len(city.streets))]
        self.dispatchers = [first_user + 2 + 2 * s for s in range(len(city.streets))]
        self.staff = people

    def user_rows(self, sealer: Sealer) -> Iterator[tuple]:
        rng = self.rng("staff")
        names = Names(rng)
        joined = ts(self.start - 30 * DAY)
        phones = {}
        for i, (_username, kind, *_rest) in enumerate(self.staff):
            if kind == "resident":  # volunteers sign in with their mobile number
                phones[i] = f"1{rng.choice('35789')}{i:09d}"[:11]
        sealed = dict(zip(phones, sealer.seal_many(list(phones.values())), strict=True))
        first = self.first["user"] + 1
        for i, (username, kind, _unit, _role, _title, superuser) in enumerate(self.staff):
            sex = "M" if rng.random() < 0.5 else "F"
            phone = phones.get(i)
            yield (
                first + i, self.password_hash, None, superuser, username, "", "", "", superuser, True, joined,
                names.full(sex), kind, sealed.get(i, ""), sealer.index(phone, "phone") if phone else None,
                ts(self.now),  # the password is new at NOW: no forced change when logging in
            )  # fmt: skip

    def membership_rows(self) -> Iterator[tuple]:
        at = ts(self.start - 30 * DAY)
        first_user, first = self.first["user"] + 1, self.first["membership"] + 1
        for i, (_username, _kind, unit, role, title, _superuser) in enumerate(self.staff):
            yield (first + i, first_user + i, unit.id, role, title, True, at)

    TOTP_FIELDS = ["id", "user_id", "name", "confirmed", "throttling_failure_timestamp",
                   "throttling_failure_count", "created_at", "last_used_at", "key", "step", "t0", "digits",
                   "tolerance", "drift", "last_t"]  # fmt: skip

    def totp_rows(self) -> Iterator[tuple]:
        """A fixed TOTP key per account that must pass a code (as the demo's), so
        `totp_code <account>` answers for synthetic accounts too."""
        from civicgrid.accounts.demo import demo_totp_key

        at = ts(self.start - 30 * DAY)
        pk, first_user = self.first["totp"], self.first["user"] + 1
        for i, (username, _kind, _unit, role, _title, _superuser) in enumerate(self.staff):
            if role in self.second_factor_roles:
                pk += 1
                key = demo_totp_key(username)
                yield (pk, first_user + i, "模拟验证器", True, None, 0, at, None, key, 30, 0, 6, 1, 0, -1)

    RULE_FIELDS = ["id", "category_id", "area_id", "to_case_community", "target_id", "priority"]

    def rule_rows(self, categories: list[Category]) -> Iterator[tuple]:
        """The demo's routing: rewarded reports to the community of the place, the others to their
        department of the street."""
        pk = self.first["rule"]
        for s, street in enumerate(self.city.streets):
            for c in categories:
                if c.rewarded:
                    pk += 1
                    yield (pk, c.id, street.id, True, None, 10)
                elif c.department:
                    pk += 1
                    yield (pk, c.id, street.id, False, self.city.departments[s][c.department].id, 20)

    # ------------------------------------------------------------------------------- registry

    def plan_registry(self) -> None:
        """Household sizes per grid (people shared out evenly over the grids), and where each
        table's ids start for each grid."""
        rng = self.rng("households")
        draw = _weighted(rng, HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS)
        n = self.n_grids
        base, extra = divmod(self.n_people, n)
        self.sizes = array("B")  # household sizes, grid after grid
        self.households_of = array("l", [0] * (n + 1))  # prefix sums: households before grid g
        self.rooms_of = array("l", [0] * (n + 1))
        self.buildings_of = array("l", [0] * (n + 1))
        self.people_of = array("l", [0] * (n + 1))
        for g in range(n):
            quota = base + (1 if g < extra else 0)
            count = 0
            while quota > 0:
                size = min(draw(), quota)
                self.sizes.append(size)
                quota -= size
                count += 1
            buildings = max(1, math.ceil(count * 1.08 / ROOMS_PER_BUILDING)) if count else 0
            self.households_of[g + 1] = self.households_of[g] + count
            self.buildings_of[g + 1] = self.buildings_of[g] + buildings
            self.rooms_of[g + 1] = self.rooms_of[g] + buildings * ROOMS_PER_BUILDING
            self.people_of[g + 1] = self.people_of[g] + base + (1 if g < extra else 0)
        households = self.households_of[n]
        self.verified_at = array("q", [0] * households)  # last confirmed visit per household (0: none)
        self.verified_by = array("q", [0] * households)

    def _occupancy(self, g: int) -> tuple[list[int], list[bool]]:
        """Which rooms of grid g hold its households (in household order) and which of those
        are rented out: the same answer for the rooms', households' and people's passes."""
        rng = random.Random(f"{self.seed}:occupancy:{g}")  # nosec B311
        rooms = self.rooms_of[g + 1] - self.rooms_of[g]
        households = self.households_of[g + 1] - self.households_of[g]
        occupied = sorted(rng.sample(range(rooms), households))
        rented = [rng.random() < 0.22 for _ in range(households)]
        return occupied, rented

    def _building_point(self, grid: Grid, b: int, count: int) -> tuple[float, float]:
        west, south, east, north = grid.box
        lng = west + (east - west) * (b + 0.5) / count
        lat = south + (north - south) * (0.25 + 0.5 * ((b * 7) % 10) / 10)
        return round(lat, 6), round(lng, 6)

    BUILDING_FIELDS = ["id", "grid_id", "road", "name", "lat", "lng"]

    def building_rows(self) -> Iterator[tuple]:
        first = self.first["building"] + 1
        for grid in self.city.grids:
            g = grid.index
            count = self.buildings_of[g + 1] - self.buildings_of[g]
            for b in range(count):
                lat, lng = self._building_point(grid, b, count)
                yield (first + self.buildings_of[g] + b, grid.unit.id, grid.road, f"{b + 1}幢", lat, lng)

    ENTRANCE_FIELDS = ["id", "building_id", "name"]

    def entrance_rows(self) -> Iterator[tuple]:
        first_b, first = self.first["building"] + 1, self.first["entrance"] + 1
        for b in range(self.buildings_of[self.n_grids]):
            for e in range(ENTRANCES_PER_BUILDING):
                yield (first + b * ENTRANCES_PER_BUILDING + e, first_b + b, f"{e + 1}单元")

    ROOM_FIELDS = ["id", "entrance_id", "grid_id", "number", "floor", "use", "owner_name", "area"]

    def room_rows(self) -> Iterator[tuple]:
        rng = self.rng("rooms")
        names = Names(rng)
        first, first_e = self.first["room"] + 1, self.first["entrance"] + 1
        per_entrance = FLOORS * ROOMS_PER_FLOOR
        areas = [Decimal(f"{a / 2:.2f}") for a in range(70, 320)]
        for grid in self.city.grids:
            g = grid.index
            occupied, rented = self._occupancy(g)
            use_of = dict(zip(occupied, ("rented" if r else "self_occupied" for r in rented), strict=True))
            start = self.rooms_of[g]
            for j in range(self.rooms_of[g + 1] - start):
                room = start + j
                entrance = room // per_entrance
                k = room % per_entrance
                floor = k // ROOMS_PER_FLOOR + 1
                use = use_of.get(j) or ("business" if rng.random() < 0.25 else "vacant")
                owner = (
                    names.full("M" if rng.random() < 0.55 else "F")
                    if use != "vacant" or rng.random() < 0.8
                    else ""
                )
                yield (first + room, first_e + entrance, grid.unit.id, f"{floor}{k % ROOMS_PER_FLOOR + 1:02d}",
                       floor, use, owner, rng.choice(areas))  # fmt: skip

    HOUSEHOLD_FIELDS = ["id", "room_id", "grid_id", "note", "last_verified_at", "last_verified_by_id",
                        "created_at"]  # fmt: skip

    def household_rows(self) -> Iterator[tuple]:
        rng = self.rng("household-rows")
        first, first_room = self.first["household"] + 1, self.first["room"] + 1
        notes = ["", "", "", "", "独居老人，需重点关注", "出租房屋，租客流动性大", "低保家庭", "有残疾人"]
        for grid in self.city.grids:
            g = grid.index
            occupied, _rented = self._occupancy(g)
            for k, j in enumerate(occupied):
                h = self.households_of[g] + k
                verified = self.verified_at[h]
                created = self.start - rng.randrange(30, 3 * 365) * DAY
                yield (
                    first + h, first_room + self.rooms_of[g] + j, grid.unit.id, rng.choice(notes),
                    ts(verified) if verified else None, self.verified_by[h] or None, ts(created),
                )  # fmt: skip

    PERSON_FIELDS = ["id", "full_name", "id_number", "id_index", "id_last4_index", "id_masked", "birth_date",
                     "sex", "phone", "phone_index", "phone_masked", "residence_type", "household_id", "relation",
                     "status", "grid_id", "last_verified_at", "created_at"]  # fmt: skip

    def person_rows(self, sealer: Sealer, chunk: int = 20_000) -> Iterator[tuple]:
        """Families in owner-occupied rooms (registered population, ID numbers of the district),
        tenants in rented ones (from other provinces); ID numbers unique, with correct check digits."""
        rng = self.rng("people")
        names = Names(rng)
        rand, randrange = rng.random, rng.randrange
        today = (EPOCH + timedelta(seconds=self.now + 8 * HOUR)).date()
        used: set[str] = set()
        first, first_h = self.first["person"] + 1, self.first["household"] + 1
        pending: list[list] = []

        def birth(age: int) -> date:
            return today - timedelta(days=age * 365 + randrange(365))

        def person(region: str, age: int, sex: str, surname: str | None, relation: str, resident: str,
                   household: int, grid: Grid) -> list:  # fmt: skip
            born = birth(max(0, min(age, 99)))
            while True:
                number = id_number(region, born, randrange(1000), sex)
                if number not in used:
                    used.add(number)
                    break
                born = birth(max(0, min(age, 99)))
            phone = ""
            if age >= 14 and rand() < 0.93:
                phone = rng.choice(MOBILE_PREFIXES) + f"{randrange(10**8):08d}"
            status = "living"
            r = rand()
            if r < 0.02:
                status = "moved_out"
            elif r < 0.03 and age > 60:
                status = "deceased"
            verified = self.verified_at[household] if status == "living" else 0
            created = self.start - randrange(30, 3 * 365) * DAY
            return [names.full(sex, surname), number, born, sex, phone, resident, first_h + household, relation,
                    status, grid.unit.id, ts(verified) if verified else None, ts(created)]  # fmt: skip

        def flush() -> Iterator[tuple]:
            ids = sealer.seal_many([p[1] for p in pending])
            phones = sealer.seal_many([p[4] for p in pending])
            for p, sealed_id, sealed_phone in zip(pending, ids, phones, strict=True):
                (
                    name,
                    number,
                    born,
                    sex,
                    phone,
                    resident,
                    household,
                    relation,
                    status,
                    grid,
                    verified,
                    created,
                ) = p
                self._person_pk += 1
                yield (
                    self._person_pk, name, sealed_id, sealer.index(number, "id"), sealer.index_last4(number),
                    mask(number, 4, 4), born, sex, sealed_phone, sealer.index(phone, "phone") if phone else "",
                    mask(phone) if phone else "", resident, household, relation, status, grid, verified, created,
                )  # fmt: skip
            pending.clear()

        self._person_pk = first - 1
        for grid in self.city.grids:
            g = grid.index
            district_code = DISTRICTS[grid.district][1]
            _occupied, rented = self._occupancy(g)
            for k in range(self.households_of[g + 1] - self.households_of[g]):
                h = self.households_of[g] + k
                size = self.sizes[h]
                if rented[k]:
                    for m in range(size):
                        region = (
                            rng.choice(OVERSEAS_REGIONS) if rand() < 0.01 else rng.choice(FLOATING_REGIONS)
                        )
                        resident = "overseas" if region in OVERSEAS_REGIONS else "floating"
                        sex = "M" if rand() < 0.55 else "F"
                        relation = "head" if m == 0 else "tenant"
                        pending.append(
                            person(region, 20 + randrange(30), sex, None, relation, resident, h, grid)
                        )
                else:
                    head_age = 25 + int(rng.triangular(0, 60, 20))
                    head_sex = "M" if rand() < 0.7 else "F"
                    surname = names.surname()
                    members = [(head_age, head_sex, surname, "head")]
                    if size >= 2:
                        other = "F" if head_sex == "M" else "M"
                        members.append((max(20, head_age + randrange(-5, 6)), other, None, "spouse"))
                    for m in range(len(members), size):
                        if m == 4 and head_age < 70:
                            members.append(
                                (head_age + 25 + randrange(8), "M" if rand() < 0.4 else "F", None, "parent")
                            )
                        elif head_age > 60 and m >= 3:
                            members.append((max(0, head_age - 50 - randrange(8)), "M" if rand() < 0.5 else "F",
                                            surname, "grandchild"))  # fmt: skip
                        else:
                            child_age = max(0, head_age - 24 - randrange(14))
                            members.append((child_age, "M" if rand() < 0.52 else "F",
                                            surname if head_sex == "M" or rand() < 0.8 else None, "child"))  # fmt: skip
                    for age, sex, family, relation in members:
                        region = district_code if rand() < 0.9 else rng.choice(FLOATING_REGIONS)
                        pending.append(person(region, age, sex, family, relation, "registered", h, grid))
                if len(pending) >= chunk:
                    yield from flush()
        yield from flush()

    # --------------------------------------------------------------------------------- visits

    VISIT_FIELDS = ["id", "grid_id", "household_id", "organisation_id", "visitor_id", "companions", "met",
                    "visited_at", "lat", "lng", "accuracy_m", "notes", "data_confirmed", "programme_id",
                    "created_at"]  # fmt: skip

    def visit_rows(self) -> Iterator[tuple]:
        """Each grid's worker visits its households through the year, on working hours, mostly on
        weekdays; about a third of the visits confirm the household's data (核实), which becomes the
        household's and its living members' last verification."""
        rng = self.rng("visits")
        rand, randrange = rng.random, rng.randrange
        first, first_h = self.first["visit"] + 1, self.first["household"] + 1
        base, extra = divmod(self.n_visits, self.n_grids)
        pk = first
        day_start = self.start - (self.start + 8 * HOUR) % DAY  # local midnight
        days = (self.now - day_start) // DAY
        for grid in self.city.grids:
            g = grid.index
            households = self.households_of[g + 1] - self.households_of[g]
            count = base + (1 if g < extra else 0)
            if not households:
                continue
            occupied, _rented = self._occupancy(g)
            buildings = self.buildings_of[g + 1] - self.buildings_of[g]
            moments = []
            for _ in range(count):
                while True:
                    day = day_start + randrange(days) * DAY
                    weekday = ((day + 8 * HOUR) // DAY + 3) % 7  # 1970-01-01 was a Thursday
                    if weekday < 5 or rand() < 0.15:
                        break
                moments.append(day + int(8.5 * HOUR) + randrange(int(9.5 * HOUR)))  # 8:30–18:00
            moments.sort()
            for at in moments:
                k = randrange(households)
                h = self.households_of[g] + k
                lat, lng = self._building_point(grid, occupied[k] // ROOMS_PER_BUILDING, buildings)
                confirmed = rand() < 0.35
                if confirmed and at > self.verified_at[h]:
                    self.verified_at[h] = at
                    self.verified_by[h] = grid.worker
                yield (
                    pk, grid.unit.id, first_h + h, None, grid.worker, "", rng.choice(VISIT_MET), ts(at),
                    round(lat + (rand() - 0.5) * 0.0002, 6), round(lng + (rand() - 0.5) * 0.0002, 6),
                    float(5 + randrange(45)), rng.choice(VISIT_NOTES), confirmed, None, ts(at + randrange(60, 3600)),
                )  # fmt: skip
                pk += 1

    # ---------------------------------------------------------------------------------- cases

    CASE_FIELDS = ["id", "channel", "category_id", "description", "address", "lat", "lng", "grid_id",
                   "reporter_id", "is_anonymous", "contact_consent", "status", "holder_id", "holder_user_id",
                   "severity", "warning_level", "checklist", "policy_id", "is_public", "is_valid_report",
                   "outcome", "outcome_note", "merged_into_id", "return_count", "needs_binding_decision",
                   "status_before_dispute", "reported_at", "entered_centre_at", "assigned_at", "verified_at",
                   "resolved_at", "closed_at", "claim_due_at", "verify_due_at", "resolve_due_at",
                   "dispute_due_at", "stage_started_at", "stage_due_at", "stage_yellow_at", "paused_at",
                   "paused_seconds", "yellow_notified_at", "red_at", "rating", "rating_comment"]  # fmt: skip
    EVENT_FIELDS = ["case_id", "kind", "actor_id", "unit_id", "at", "note", "data"]
    RETURN_FIELDS = ["id", "case_id", "unit_id", "actor_id", "reason", "note", "at"]
    TIMES = ("reported_at", "entered_centre_at", "assigned_at", "verified_at", "resolved_at", "closed_at",
             "claim_due_at", "verify_due_at", "resolve_due_at", "dispute_due_at", "stage_started_at",
             "stage_due_at", "stage_yellow_at", "yellow_notified_at", "red_at")  # fmt: skip

    def case_rows(self, categories: list[Category], clock: WorkClock, events_path: str) -> Iterator[tuple]:
        """Cases reported evenly over the year (ids follow time), each run through the flow up to
        NOW; the timeline goes to `events_path` in COPY text format, the returns to self.returns."""
        rng = self.rng("cases")
        rand, uniform, lognorm = rng.random, rng.uniform, rng.lognormvariate
        draw_category = _weighted(rng, categories, [CATEGORY_WEIGHTS.get(c.code, 5) for c in categories])
        channel_names, channel_weights = zip(*CHANNELS, strict=True)
        draw_channel = _weighted(rng, list(channel_names), list(channel_weights))
        grids = self.city.grids
        now = self.now
        first = self.first["case"] + 1
        first_return = self.first["return"]
        self.returns: list[tuple] = []
        lights = {} if self.n_cases <= 20_000 else None
        # Reporting moments: spread over the year, more by day than by night.
        reported_list = []
        for _ in range(self.n_cases):
            day = self.start + rng.randrange(365) * DAY
            local_hour = rng.choice(
                (8, 9, 9, 10, 10, 10, 11, 11, 14, 14, 15, 15, 16, 16, 17, 19, 20, 21, 7, 13)
            )
            moment = day - (day + 8 * HOUR) % DAY + (local_hour - 8) * HOUR + rng.randrange(HOUR)
            reported_list.append(min(max(moment, self.start), now - 60))
        reported_list.sort()
        out = open(events_path, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
        write = out.write
        escaped = {}

        def esc(text: str) -> str:
            value = escaped.get(text)
            if value is None:
                value = escaped[text] = escape(text)
            return value

        def event(pk, kind, actor, unit, at, note="", data="{}"):
            write(f"{pk}\t{kind}\t{actor or NULL}\t{unit or NULL}\t{ts_text(at)}\t{esc(note)}\t{esc(data)}\n")

        n_events = 0
        row_of = itemgetter(*self.CASE_FIELDS)
        for i, t0 in enumerate(reported_list):
            pk = first + i
            cat = draw_category()
            grid = grids[rng.randrange(len(grids))]
            west, south, east, north = grid.box
            s = grid.street
            community = self.city.communities[grid.community]
            departments = self.city.departments[s]
            r = dict.fromkeys(self.CASE_FIELDS)
            r.update(
                id=pk, category_id=cat.id, policy_id=cat.policy_id, grid_id=grid.unit.id,
                description=rng.choice(cat.texts), address=grid.road,
                lat=round(south + (north - south) * uniform(0.02, 0.98), 6),
                lng=round(west + (east - west) * uniform(0.02, 0.98), 6),
                is_anonymous=False, contact_consent=True, severity=2, warning_level="", checklist=[],
                is_public=False, outcome="", outcome_note="", return_count=0, needs_binding_decision=False,
                status_before_dispute="", paused_seconds=0, rating_comment="", reported_at=t0,
                entered_centre_at=t0,
            )  # fmt: skip
            x = rand()
            r["severity"] = 1 if x < 0.15 else 3 if x > 0.9 else 2
            if cat.rewarded:
                channel, reporter = "rewarded_report", grid.volunteer
                if cat.anonymous and rand() < 0.2:
                    r["is_anonymous"] = True
                    r["contact_consent"] = rand() < 0.5
            elif cat.code == "suggestion":
                channel, reporter = (
                    ("suggestion", grid.volunteer) if rand() < 0.7 else ("hotline", self.dispatchers[s])
                )
            else:
                channel = draw_channel()
                reporter = {
                    "visit": grid.worker,
                    "patrol": grid.worker,
                    "hotline": self.dispatchers[s],
                    "agency": self.department_staff[s][cat.department] if cat.department else None,
                    "open311": None,
                }[channel]
            r["channel"], r["reporter_id"] = channel, reporter
            event(pk, "reported", reporter, None, t0, r["description"][:200], f'{{"channel": "{channel}"}}')
            n_events += 1

            # ---- the flow; `st` is the running deadline: (set at, start, due, yellow)
            st = [t0, t0, t0 + cat.claim * HOUR, t0 + cat.claim * HOUR * cat.ratio]
            marks = {"yellow": None, "red": None}
            status = "awaiting_claim"
            r["claim_due_at"] = st[2]

            def settle(end: float, running: bool) -> None:
                """Put the sweep's marks on the stage that ran from st[0] until `end`."""
                nonlocal n_events
                if st is None or st[2] is None:
                    return
                for name, moment in (("yellow", st[3]), ("red", st[2])):
                    if marks[name] is not None:
                        continue
                    m = tick(max(moment, st[0]))
                    if m < end or (running and int(moment) <= end):
                        marks[name] = min(m, end)
                        event(pk, name, None, None, marks[name])
                        n_events += 1

            def new_stage(at: float, start: float, due: float | None, yellow: float | None) -> None:
                nonlocal st
                st = [at, start, due, yellow]
                marks["yellow"] = None  # a new deadline gets its own yellow warning (sla.stage)

            def stop(at: float) -> bool:
                """Whether the next step, at `at`, lies beyond NOW: then the case stays as it is."""
                if at <= now:
                    return False
                settle(now, True)
                return True

            # merged as a duplicate while waiting, into the previous case
            if i > 0 and rand() < 0.004:
                at = t0 + uniform(0.05, 0.5) * cat.claim * HOUR
                if not stop(at):
                    settle(at, False)
                    into = pk - 1
                    actor = self.dispatchers[s]
                    event(pk, "merged", actor, self.city.streets[s].id, at, "",
                          f'{{"into": "{case_number(int(reported_list[i - 1]), into)}"}}')  # fmt: skip
                    n_events += 1
                    r.update(status="merged", merged_into_id=into, closed_at=at, outcome="duplicate",
                             claim_due_at=None)  # fmt: skip
                    st = None
                    status = "merged"
            claim_t = t0 + lognorm(math.log(0.12 * cat.claim * HOUR), 1.0)
            if (
                st is not None and cat.department and rand() < 0.35
            ):  # left to the rules: dispatched at the limit
                claim_t = st[2] + 1
            holder = holder_user = None
            if status == "merged":
                pass
            elif claim_t < st[2]:
                if not stop(claim_t):
                    settle(claim_t, False)
                    if cat.rewarded:
                        holder, holder_user = community.id, grid.head
                    else:
                        holder, holder_user = grid.unit.id, grid.worker
                    status = "claimed"
                    event(pk, "claimed", holder_user, holder, claim_t)
                    n_events += 1
                    assigned = claim_t
            else:
                at = tick(st[2])
                if not stop(at):
                    settle(at, False)
                    if cat.rewarded or cat.department:
                        target = community if cat.rewarded else departments[cat.department]
                        holder, status, assigned = target.id, "dispatched", at
                        event(
                            pk, "dispatched", None, None, at, "", f'{{"to": "{target.name}", "by": "rule"}}'
                        )
                        n_events += 1
                    else:  # no rule: the dispatcher's queue; the claim deadline keeps running (red)
                        status = "dispatcher_queue"
                        r["claim_due_at"] = None
                        event(pk, "queued", None, None, at, "无匹配的派单规则，转云平台中心人工派单。")
                        n_events += 1
                        settle(at + 1, False)  # the same sweep marks it yellow and red
                        at2 = at + lognorm(math.log(3 * HOUR), 0.8)
                        if not stop(at2):
                            target = departments[SUGGESTION_DEPARTMENT]
                            holder, status, assigned = target.id, "dispatched", at2
                            event(pk, "dispatched", self.dispatchers[s], self.city.streets[s].id, at2, "",
                                  f'{{"to": "{target.name}", "by": "dispatcher"}}')  # fmt: skip
                            n_events += 1

            if status in ("claimed", "dispatched"):
                a = assigned
                verify_due = a + cat.verify * HOUR if cat.verify else None
                resolve_due = clock.add(a, cat.resolve, cat.working)
                dispute_due = a + cat.dispute * HOUR if cat.rewarded and cat.dispute else None
                r.update(assigned_at=a, verify_due_at=verify_due, resolve_due_at=resolve_due,
                         dispute_due_at=dispute_due, claim_due_at=None)  # fmt: skip
                r["holder_id"], r["holder_user_id"] = holder, holder_user
                yellow_r = clock.yellow(a, resolve_due, cat.ratio, cat.working)

                def held(at: float) -> None:
                    if status != "verified" and verify_due is not None:
                        new_stage(at, a, verify_due, a + (verify_due - a) * cat.ratio)
                    else:
                        new_stage(at, a, resolve_due, yellow_r)

                held(a)

                def actor_of() -> tuple[int, int]:
                    if r["holder_user_id"]:
                        return r["holder_user_id"], r["holder_id"]
                    if r["holder_id"] == community.id:
                        return grid.head, community.id
                    for name, unit in departments.items():
                        if unit.id == r["holder_id"]:
                            return self.department_staff[s][name], unit.id
                    return None, r["holder_id"]

                verify_t = a + lognorm(math.log(0.2 * (cat.verify or 24) * HOUR), 0.7)
                work = lognorm(math.log(0.3 * cat.resolve), 0.75)  # resolution, in (working) hours
                if rand() < 0.03:  # stuck: waiting for another body, a tenant, the weather …
                    work *= uniform(4, 30)
                resolve_t = max(clock.add(a, work, cat.working), verify_t + 1800)
                done = False
                # returned by a department: not its duty; the community claims it again
                if status == "dispatched" and r["holder_id"] != community.id and rand() < 0.06:
                    ret = a + lognorm(math.log(5 * HOUR), 0.8)
                    if ret < verify_t and not stop(ret):
                        settle(ret, False)
                        actor, unit = actor_of()
                        self.returns.append((first_return + len(self.returns) + 1, pk, unit, actor,
                                             "not_our_duty", "该事项不属于本科室职责", ts(ret)))  # fmt: skip
                        event(pk, "returned", actor, unit, ret, "该事项不属于本科室职责",
                              '{"reason": "not_our_duty", "to_dispatcher": false}')  # fmt: skip
                        n_events += 1
                        status = "awaiting_claim"
                        r.update(holder_id=None, holder_user_id=None, return_count=1)
                        r["claim_due_at"] = ret + cat.claim * HOUR
                        held(ret)
                        again = ret + cat.claim * HOUR * uniform(0.05, 0.9)
                        if stop(again):
                            done = True
                        else:
                            settle(again, False)
                            r.update(holder_id=community.id, holder_user_id=grid.head, claim_due_at=None)
                            status = "claimed"
                            event(pk, "claimed", grid.head, community.id, again)
                            n_events += 1
                            held(again)
                            verify_t = max(verify_t, again + 600)
                            resolve_t = max(resolve_t, verify_t + 1800)
                    elif ret >= verify_t:
                        pass
                    else:
                        done = True
                # disputed rewarded report: the community questions it within the window
                if not done and dispute_due is not None and rand() < 0.06:
                    d = a + uniform(0.05, 0.9) * (dispute_due - a)
                    if d < verify_t:
                        if stop(d):
                            done = True
                        else:
                            r["status_before_dispute"] = status
                            event(
                                pk, "disputed", grid.head, community.id, d, "报告内容与现场情况不符，申请甄别"
                            )
                            n_events += 1
                            status = "disputed"
                            review = d + lognorm(math.log(6 * HOUR), 0.8)
                            reviewer = self.department_staff[s][DISPUTE_DEPARTMENT]
                            reviewer_unit = departments[DISPUTE_DEPARTMENT].id
                            if stop(review):
                                done = True
                            elif rand() < 0.35:
                                settle(review, False)
                                event(
                                    pk,
                                    "dispute_upheld",
                                    reviewer,
                                    reviewer_unit,
                                    review,
                                    "经甄别，报告不属实",
                                )
                                n_events += 1
                                r.update(status="closed", closed_at=review, outcome="invalid",
                                         outcome_note="经甄别，报告不属实", is_valid_report=False)  # fmt: skip
                                st = None
                                status = "closed"
                                done = True
                            else:
                                event(
                                    pk,
                                    "dispute_rejected",
                                    reviewer,
                                    reviewer_unit,
                                    review,
                                    "经甄别，报告属实",
                                )
                                n_events += 1
                                status = r["status_before_dispute"]
                                verify_t = max(verify_t, review + 600)
                                resolve_t = max(resolve_t, verify_t + 1800)
                if not done:
                    actor, unit = actor_of()
                    if stop(verify_t):
                        done = True
                    else:
                        settle(verify_t, False)
                        status = "verified"
                        r["verified_at"] = verify_t
                        event(pk, "verified", actor, unit, verify_t, "已到现场核实")
                        n_events += 1
                        new_stage(verify_t, a, resolve_due, yellow_r)
                if not done:
                    note = rng.choice(RESOLVE_NOTES)
                    if stop(resolve_t):
                        done = True
                    else:
                        settle(resolve_t, False)
                        st = None
                        status = "resolved"
                        r.update(resolved_at=resolve_t, outcome_note=note)
                        event(pk, "resolved", actor, unit, resolve_t, note)
                        n_events += 1
                        if rand() < 0.04:  # the check fails: back to the holder (返工)
                            reopen = resolve_t + lognorm(math.log(5 * HOUR), 0.8)
                            if stop(reopen):
                                done = True
                            else:
                                status = "verified"
                                r["resolved_at"] = None
                                event(
                                    pk, "reopened", grid.head, community.id, reopen, "整改不到位，请继续处理"
                                )
                                n_events += 1
                                new_stage(reopen, a, resolve_due, yellow_r)
                                resolve_t = reopen + lognorm(math.log(20 * HOUR), 0.8)
                                if stop(resolve_t):
                                    done = True
                                else:
                                    settle(resolve_t, False)
                                    st = None
                                    status = "resolved"
                                    r["resolved_at"] = resolve_t
                                    event(pk, "resolved", actor, unit, resolve_t, note)
                                    n_events += 1
                if not done:
                    close_t = resolve_t + lognorm(math.log(4 * HOUR), 1.0)
                    if not stop(close_t):
                        x = rand()
                        outcome = "resolved" if x < 0.92 else "unable" if x < 0.96 else "not_ours"
                        status = "closed"
                        r.update(status="closed", closed_at=close_t, outcome=outcome)
                        if outcome != "resolved":
                            r["outcome_note"] = CLOSE_NOTES[outcome]
                        if cat.rewarded:
                            r["is_valid_report"] = outcome == "resolved"
                        event(pk, "closed", grid.head, community.id, close_t, r["outcome_note"],
                              f'{{"outcome": "{outcome}"}}')  # fmt: skip
                        n_events += 1
                        if rand() < 0.3:
                            y = rand()
                            r["rating"] = (
                                5 if y < 0.55 else 4 if y < 0.85 else 3 if y < 0.95 else 2 if y < 0.98 else 1
                            )

            r["status"] = status
            if st is not None and status not in ("closed", "merged", "resolved"):
                r["stage_started_at"], r["stage_due_at"], r["stage_yellow_at"] = st[1], st[2], st[3]
            r["yellow_notified_at"], r["red_at"] = marks["yellow"], marks["red"]
            if lights is not None:
                lights[pk] = (
                    "none" if status in ("closed", "merged")
                    else "red" if marks["red"] is not None
                    else "yellow" if r["stage_yellow_at"] is not None and int(r["stage_yellow_at"]) <= now
                    else "green"
                )  # fmt: skip
            for name in self.TIMES:
                value = r[name]
                if value is not None:
                    r[name] = ts(value)
            yield row_of(r)
        out.close()
        self.counts["events"] = n_events
        self.expected_lights = lights
