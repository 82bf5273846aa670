"""Demo activities: upcoming ones of the street and two communities (one full, with a waiting list), a
resident's proposal waiting for approval, and past ones with attendance and photos (活动剪影)."""

import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from civicgrid.core import clock
from civicgrid.portal.services import points_award

from .choices import ActivityStatus, Audience, PhotoStatus, SignupStatus
from .models import Activity, ActivityPhoto, ActivitySignup

# (unit: "street" or a community index, organiser, title, audience, days from today, hour, hours, place,
#  capacity, status, description, people signed up in order)
ACTIVITIES = [
    (
        "street",
        "admin",
        "凯旋街道社区歌咏赛",
        Audience.ALL,
        12,
        14,
        3,
        "街道文化家园多功能厅",
        80,
        ActivityStatus.PUBLISHED,
        "各社区文化团队、楼道组队参赛，评选优秀节目，欢迎居民报名参赛或观看。",
        ["resident01", "resident02", "volunteer01"],
    ),
    (
        0,
        "head01",
        "老年人如何防三高健康讲座",
        Audience.ELDERLY,
        5,
        9,
        1.5,
        "凯旋社区居家养老服务中心",
        40,
        ActivityStatus.PUBLISHED,
        "社区卫生服务中心医生讲解高血压、高血糖、高血脂的预防与日常管理，现场免费量血压。",
        ["resident01", "resident15", "volunteer01"],
    ),
    (
        0,
        "head01",
        "社区乒乓球友谊赛",
        Audience.ALL,
        9,
        14,
        3,
        "凯旋社区活动室",
        2,
        ActivityStatus.PUBLISHED,
        "单打比赛，名额有限，先到先得；报满后可候补。",
        ["resident01", "volunteer01", "resident15"],
    ),
    (
        1,
        "head02",
        "书香满园亲子阅读",
        Audience.CHILDREN,
        6,
        15,
        2,
        "景芳社区图书室",
        25,
        ActivityStatus.PUBLISHED,
        "志愿者带领孩子们共读绘本，家长可陪同参加。",
        ["resident02"],
    ),
    (
        1,
        "resident02",
        "周末旧物交换集市",
        Audience.FAMILIES,
        14,
        9,
        3,
        "景芳社区中心广场",
        60,
        ActivityStatus.DRAFT,
        "邻居们带上闲置的书籍、玩具、小家电，以物换物，让旧物找到新主人。",
        [],
    ),
    (
        0,
        "head01",
        "厨艺大比拼",
        Audience.FAMILIES,
        -10,
        9,
        3,
        "凯旋社区邻里食堂",
        20,
        ActivityStatus.PUBLISHED,
        "以家庭为单位现场烹饪拿手菜，邻里品尝评选。",
        ["resident01", "resident15", "volunteer15"],
    ),
    (
        1,
        "head02",
        "重阳节敬老活动",
        Audience.ELDERLY,
        -20,
        9,
        2,
        "景芳社区居家养老服务中心",
        50,
        ActivityStatus.PUBLISHED,
        "为社区 80 岁以上老人送上重阳糕，志愿者陪老人聊天、理发、量血压。",
        ["resident02", "volunteer02"],
    ),
]
PHOTO_COLOURS = [(46, 139, 87), (70, 130, 180), (205, 133, 63)]


def _photo(colour: tuple[int, int, int], seed: int) -> ContentFile:
    image = Image.new("RGB", (640, 420), colour)
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x = (seed * 97 + i * 113) % 560
        y = (seed * 53 + i * 71) % 340
        draw.ellipse([x, y, x + 60 + i * 8, y + 60 + i * 8], fill=tuple(min(255, c + 60) for c in colour))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name=f"demo-{seed}.jpg")


def load(ctx: dict) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=_usernames())}
    if "admin" not in users:
        return
    street, communities = ctx["street"], ctx["communities"]
    today = clock.today()
    made = 0
    for spec in ACTIVITIES:
        (where, organiser, title, audience, days, hour, hours, place, capacity, status, text, people) = spec
        unit = street if where == "street" else communities[where]
        starts = clock.make_aware_date(today + timedelta(days=days)) + timedelta(hours=hour)
        activity, created = Activity.objects.get_or_create(
            unit=unit,
            title=title,
            defaults={
                "organiser": users[organiser],
                "by_resident": organiser.startswith("resident"),
                "description": text,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=hours),
                "place": place,
                "capacity": capacity,
                "audience": audience,
                "status": status,
                "created_at": starts - timedelta(days=20),
                "published_at": starts - timedelta(days=18) if status == ActivityStatus.PUBLISHED else None,
            },
        )
        made += created
        if created:
            _sign_up(activity, [users[name] for name in people if name in users])
        if activity.ends_at < clock.now() and activity.status == ActivityStatus.PUBLISHED:
            _attend_and_photograph(activity, users[organiser])
    ctx["stdout"].write(f"社区活动：{Activity.objects.count()} 个活动（本次新增 {made} 个）。")


def _usernames() -> list[str]:
    names = {"admin"}
    for spec in ACTIVITIES:
        names.add(spec[1])
        names.update(spec[-1])
    return sorted(names)


def _sign_up(activity: Activity, people) -> None:
    """Places in arrival order, the rest on the waiting list (as the sign-up service would)."""
    for user in people:
        if activity.confirmed_count < activity.capacity:
            status, position = SignupStatus.CONFIRMED, None
            activity.confirmed_count += 1
        else:
            activity.waiting_count += 1
            status, position = SignupStatus.WAITING, activity.waiting_count
        ActivitySignup.objects.create(
            activity=activity,
            user=user,
            status=status,
            position=position,
            created_at=activity.created_at + timedelta(days=1),
        )
    activity.save(update_fields=["confirmed_count", "waiting_count"])


def _attend_and_photograph(activity: Activity, organiser) -> None:
    for signup in ActivitySignup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED):
        if not signup.attended:
            signup.attended = True
            signup.save(update_fields=["attended"])
        points_award(
            user=signup.user,
            rule_code="activity",
            note=f"参加活动：{activity.title}"[:100],
            once_key=f"activity:{activity.pk}:{signup.user_id}",
            now=activity.ends_at,
        )
    if ActivityPhoto.objects.filter(activity=activity).exists():
        return
    for i, colour in enumerate(PHOTO_COLOURS):
        photo = ActivityPhoto(
            activity=activity,
            caption=["活动现场", "居民合影", "志愿者风采"][i],
            status=PhotoStatus.VISIBLE,
            uploaded_by=organiser,
            uploaded_at=activity.ends_at + timedelta(hours=1),
        )
        content = _photo(colour, activity.pk * 10 + i)
        photo.image.save(content.name, content, save=False)
        photo.save()
