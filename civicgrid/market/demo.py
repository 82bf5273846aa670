"""Demo market: shops of the 1-km business circle across the street, and a few residents' listings —
on offer, free, sold, one waiting for moderation and one reported."""

import io
import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw

from civicgrid.core import clock
from civicgrid.org.demo import community_box

from .choices import ListingStatus, MerchantCategory, MerchantStatus, ReportStatus
from .models import Listing, ListingPhoto, ListingReport, Merchant

C = MerchantCategory
# (name, category, road, hours, offers)
MERCHANTS = [
    ("景芳农贸市场", C.FOOD, "景芳路", "每天 6:00–18:30", "每周三会员日蔬菜九折"),
    ("老娘舅（凯旋路店）", C.FOOD, "凯旋路", "10:00–21:00", "社区居民凭积分卡送例汤"),
    ("新丰小吃", C.FOOD, "秋涛北路", "6:00–20:00", ""),
    ("巴比馒头（南肖埠店）", C.FOOD, "南肖埠路", "5:30–13:00", "早 7 点前豆浆半价"),
    ("好又多生鲜超市", C.FOOD, "濮家东路", "7:00–22:00", "满 88 元免费送货上门（1 公里内）"),
    ("兰州牛肉拉面", C.FOOD, "机神路", "9:00–22:00", ""),
    ("杨柳郡烘焙坊", C.FOOD, "杨柳郡路", "8:00–21:00", "晚 8 点后面包八折"),
    ("秋涛路便民超市", C.FOOD, "秋涛路", "7:00–23:00", "老年人购物满 30 元送鸡蛋"),
    ("凯旋裁缝铺", C.CLOTHING, "凯旋路", "8:30–18:00", "改裤脚 10 元"),
    ("洁丽雅干洗店", C.CLOTHING, "景昙路", "8:00–20:00", "羽绒服清洗冬季特价 45 元"),
    ("老周修鞋配钥匙", C.CLOTHING, "新风路", "8:00–17:30", ""),
    ("童趣童装", C.CLOTHING, "华东路", "9:30–21:00", "换季清仓五折起"),
    ("松园家电维修", C.HOUSING, "松园路", "8:00–19:00", "上门检测免费，60 岁以上老人工时费减半"),
    ("安心开锁换锁（公安备案）", C.HOUSING, "三里亭路", "24 小时", ""),
    ("邻里家政服务社", C.HOUSING, "芙蓉路", "8:00–18:00", "首次保洁 2 小时体验价 88 元"),
    ("红菱五金建材", C.HOUSING, "红菱路", "7:30–18:30", ""),
    ("凯旋房产中介", C.HOUSING, "凯旋路", "9:00–20:00", ""),
    ("小马电动车维修", C.TRANSPORT, "秋涛路", "8:00–19:00", "电瓶以旧换新补贴 50 元"),
    ("车之美汽车美容", C.TRANSPORT, "濮家路", "8:30–18:30", "洗车月卡 99 元"),
    ("公共自行车服务点（景芳）", C.TRANSPORT, "景芳路", "6:00–21:00", "办卡免押金（芝麻信用）"),
    ("凯旋驾校报名点", C.TRANSPORT, "凯旋路", "9:00–17:00", ""),
    ("新风理发店", C.SERVICES, "新风路", "8:30–20:00", "老年人理发 10 元"),
    ("老百姓大药房（景芳店）", C.SERVICES, "景芳路", "8:00–22:00", "每月 8 日会员积分翻倍"),
    ("菜鸟驿站（南肖埠）", C.SERVICES, "南肖埠路", "8:00–21:00", ""),
    ("华东照相馆", C.SERVICES, "华东路", "9:00–18:00", "证件照 20 元含电子版"),
    ("三里亭社区居家养老服务站", C.SERVICES, "三里亭路", "8:00–17:00", "助餐、助浴预约"),
    ("明亮眼镜", C.SERVICES, "机神路", "9:00–21:00", "免费验光"),
]

# (resident number, title, price or None for free, description, days ago, status)
LISTINGS = [
    (
        1,
        "九成新儿童自行车",
        "150",
        "孩子长高了骑不了，16 寸，带辅助轮。可在小区门口看车。",
        2,
        ListingStatus.PUBLISHED,
    ),
    (2, "宜家书架（白色）", "80", "搬家出，五层，需自提，三楼无电梯。", 3, ListingStatus.PUBLISHED),
    (3, "高中数学辅导书一套", None, "免费送给需要的邻居，共 6 本，笔记很少。", 1, ListingStatus.PUBLISHED),
    (4, "九阳豆浆机", "60", "用过半年，功能正常，带说明书。", 5, ListingStatus.PUBLISHED),
    (5, "多肉植物一盆", None, "自己扦插的，送给喜欢的邻居。", 1, ListingStatus.PUBLISHED),
    (6, "婴儿推车", "200", "好孩子牌，可折叠，八成新。", 4, ListingStatus.SOLD),
    (1, "旧沙发一张", "50", "三人位布艺沙发，需自行搬运。", 0, ListingStatus.PENDING),
    (7, "全新未拆封手机充电宝", "45", "单位发的，用不上。", 2, ListingStatus.PUBLISHED),
]
SHOP_OF_ORG03 = "秋涛路便民超市"
REPORTED = ("全新未拆封手机充电宝", 8, "疑似转卖，价格和描述不符")
COLOURS = [(110, 168, 254), (117, 183, 152), (255, 193, 7), (234, 134, 143), (160, 130, 210), (108, 117, 125)]


def _photo(index: int) -> ContentFile:
    """A plain coloured picture standing in for a resident's photo."""
    image = Image.new("RGB", (480, 360), COLOURS[index % len(COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 90, 330, 270), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name=f"demo-{index}.jpg")


def load(ctx: dict) -> None:
    User = get_user_model()
    communities = ctx["communities"]
    now = clock.now()
    rng = random.Random(2026)  # nosec B311
    head = {c.pk: User.objects.filter(username=f"head{i + 1:02d}").first() for i, c in enumerate(communities)}
    # The demo's organisation account org03 is 秋涛路便民超市, confirmed in the third community.
    shop_owner = User.objects.filter(username="org03").first()
    for i, (name, category, road, hours, offers) in enumerate(MERCHANTS):
        own_shop = name == SHOP_OF_ORG03
        index = 2 if own_shop else i % len(communities)
        community = communities[index]
        west, south, east, north = community_box(index)
        lat = round(south + (north - south) * (0.1 + 0.8 * rng.random()), 6)
        lng = round(west + (east - west) * (0.1 + 0.8 * rng.random()), 6)
        number, phone = rng.randint(1, 300), f"0571-86{rng.randint(100000, 999999)}"
        owner = shop_owner if own_shop and not Merchant.objects.filter(owner=shop_owner).exists() else None
        Merchant.objects.get_or_create(
            name=name,
            defaults={
                "category": category,
                "address": f"{road}{number}号",
                "lat": lat,
                "lng": lng,
                "hours": hours,
                "offers": offers,
                "phone": phone,
                "owner": owner,
                "community": community,
                "status": MerchantStatus.PUBLISHED,
                "created_by": head.get(community.pk),
                "created_at": now - timedelta(days=30),
                "updated_at": now - timedelta(days=30),
            },
        )
    for i, (number, title, price, description, days, status) in enumerate(LISTINGS):
        seller = User.objects.filter(username=f"resident{number:02d}").first()
        if seller is None:
            continue
        community = communities[(number - 1) % len(communities)]
        at = now - timedelta(days=days, hours=i)
        listing, created = Listing.objects.get_or_create(
            seller=seller,
            title=title,
            defaults={
                "community": community,
                "description": description,
                "price": Decimal(price) if price else None,
                "status": status,
                "created_at": at,
                "published_at": at + timedelta(hours=2) if status != ListingStatus.PENDING else None,
                "sold_at": at + timedelta(days=1) if status == ListingStatus.SOLD else None,
                "moderated_by": head.get(community.pk) if status != ListingStatus.PENDING else None,
                "moderated_at": at + timedelta(hours=2) if status != ListingStatus.PENDING else None,
            },
        )
        if created:
            photo = ListingPhoto(listing=listing, position=0)
            content = _photo(i)
            photo.image.save(content.name, content, save=False)
            photo.save()
    title, number, reason = REPORTED
    listing = Listing.objects.filter(title=title).first()
    reporter = User.objects.filter(username=f"resident{number:02d}").first()
    if listing is not None and reporter is not None:
        ListingReport.objects.get_or_create(
            listing=listing,
            reporter=reporter,
            defaults={"reason": reason, "status": ReportStatus.OPEN, "created_at": now - timedelta(hours=5)},
        )
