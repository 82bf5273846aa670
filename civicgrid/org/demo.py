"""The demo street's tree: 凯旋街道 with 14 communities, 169 grids tiling them, departments and agencies."""

from .choices import UnitKind
from .models import OrgUnit
from .services import org_unit_create

CITY = ("杭州市", "330100")
DISTRICT = ("上城区", "330102")
STREET = ("凯旋街道", "330102010")
COMMUNITIES = [
    "凯旋社区",
    "景芳社区",
    "南肖埠社区",
    "新风社区",
    "机神社区",
    "杨柳郡社区",
    "三里亭社区",
    "松园社区",
    "景昙社区",
    "秋涛社区",
    "芙蓉社区",
    "红菱社区",
    "华东社区",
    "濮家社区",
]
GRID_TOTAL = 169
DEPARTMENTS = [
    ("综治办", "zzb"),
    ("城管科", "cgk"),
    ("民政科", "mzk"),
    ("党建办", "djb"),
    ("社会事务科", "swk"),
    ("经济科", "jjk"),
    ("平安办", "pab"),
]
AGENCIES = [("凯旋派出所", "police"), ("城管执法中队", "zfzd"), ("市场监管所", "scjg")]

# The street's extent (WGS 84): 7 × 2 community blocks, each cut into rows of grids.
WEST, EAST, SOUTH, NORTH = 120.175, 120.210, 30.270, 30.300
COLUMNS, ROWS = 7, 2
GRID_ROWS = 3


def grid_counts() -> list[int]:
    """169 grids over 14 communities: twelve each, the remainder to the first."""
    base, extra = divmod(GRID_TOTAL, len(COMMUNITIES))
    return [base + (1 if i < extra else 0) for i in range(len(COMMUNITIES))]


def _rect(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def community_box(index: int) -> tuple[float, float, float, float]:
    col, row = index % COLUMNS, index // COLUMNS
    width, height = (EAST - WEST) / COLUMNS, (NORTH - SOUTH) / ROWS
    west, south = WEST + col * width, NORTH - (row + 1) * height
    return west, south, west + width, south + height


def grid_boxes(box: tuple[float, float, float, float], count: int) -> list[tuple[float, float, float, float]]:
    """Cut a community's box into `count` cells in GRID_ROWS rows; cells share edges exactly."""
    west, south, east, north = box
    per_row = [count // GRID_ROWS + (1 if r < count % GRID_ROWS else 0) for r in range(GRID_ROWS)]
    height = (north - south) / GRID_ROWS
    cells = []
    for r, n in enumerate(per_row):
        top = north - r * height
        bottom = north - (r + 1) * height if r < GRID_ROWS - 1 else south
        xs = [west + (east - west) * i / n for i in range(n)] + [east]
        cells += [(xs[i], bottom, xs[i + 1], top) for i in range(n)]
    return cells


def _ensure(parent, kind, name, code, boundary=None):
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        unit = org_unit_create(parent=parent, kind=kind, name=name, code=code, boundary=boundary)
    return unit


def load(ctx: dict) -> None:
    city = _ensure(None, UnitKind.CITY, *CITY)
    district = _ensure(city, UnitKind.DISTRICT, *DISTRICT)
    street = _ensure(district, UnitKind.STREET, *STREET, boundary=_rect(WEST, SOUTH, EAST, NORTH))
    communities, grids = [], []
    for i, (name, count) in enumerate(zip(COMMUNITIES, grid_counts(), strict=True)):
        code = f"{STREET[1]}{i + 1:03d}"
        box = community_box(i)
        community = _ensure(street, UnitKind.COMMUNITY, name, code, _rect(*box))
        communities.append(community)
        for j, cell in enumerate(grid_boxes(box, count)):
            grids.append(
                _ensure(
                    community, UnitKind.GRID, f"{name}第{j + 1:02d}网格", f"{code}{j + 1:03d}", _rect(*cell)
                )
            )
    departments = [
        (_ensure(street, UnitKind.DEPARTMENT, name, f"{STREET[1]}D{i + 1:02d}"), slug)
        for i, (name, slug) in enumerate(DEPARTMENTS)
    ]
    agencies = [
        (_ensure(street, UnitKind.AGENCY, name, f"{STREET[1]}A{i + 1:02d}"), slug)
        for i, (name, slug) in enumerate(AGENCIES)
    ]
    ctx.update(
        street=street, communities=communities, grids=grids, departments=departments, agencies=agencies
    )
    ctx["stdout"].write(
        f"组织架构：{len(communities)} 个社区，{len(grids)} 个网格，{len(departments)} 个科室，{len(agencies)} 个职能部门。"
    )
