"""Demo social organisations: teams of the demo communities and the street's volunteer team, with
members, requests waiting for their admins, and one organisation waiting for its community."""

from datetime import timedelta

from django.contrib.auth import get_user_model

from civicgrid.core import clock

from .choices import JoinStatus, SocialOrgCategory, SocialOrgStatus
from .models import JoinRequest, SocialOrg

# (name, category, where: community index or "street", admin, who registered it, status, contact,
#  introduction, specialities, members, waiting [(user, message)])
ORGS = [
    (
        "夕阳红舞蹈队",
        SocialOrgCategory.CULTURE,
        0,
        "resident01",
        "head01",
        SocialOrgStatus.CONFIRMED,
        ("王阿姨", "0571-86010001"),
        "2012 年由社区退休居民自发组建，现有队员三十余人。每周二、周四晚七点在社区文化家园排练，"
        "夏天移到凯旋公园小广场。",
        "民族舞、广场舞编排；连续多年参加街道“邻里节”文艺汇演；零基础也欢迎，老队员结对带教。",
        ["volunteer01", "resident15"],
        [("volunteer15", "想学民族舞，周二周四晚上都有空。")],
    ),
    (
        "翰墨书法协会",
        SocialOrgCategory.CULTURE,
        1,
        "resident02",
        "head02",
        SocialOrgStatus.CONFIRMED,
        ("李老师", "0571-86020002"),
        "社区书法爱好者的交流平台。每周六上午在社区老年活动室集中练习，定期请区书协老师点评作品。",
        "楷书、隶书入门教学；春节前为居民义写春联；与辖区小学合作开展“书香满园”少儿书法课。",
        ["resident16"],
        [("volunteer02", "小时候练过颜体，想重新拾起来。")],
    ),
    (
        "景芳文化艺术团",
        SocialOrgCategory.CULTURE,
        1,
        "org02",
        "head02",
        SocialOrgStatus.CONFIRMED,
        ("张团长", "0571-86020003"),
        "景芳社区的综合性文艺团体，下设合唱、越剧、器乐三个分队，承担社区重大节日的文艺演出。",
        "越剧折子戏《十八相送》是保留节目；合唱队曾获区社区合唱比赛二等奖。",
        ["resident02"],
        [("resident16", "喜欢越剧，想参加越剧分队。")],
    ),
    (
        "红马甲志愿服务队",
        SocialOrgCategory.VOLUNTEERING,
        "street",
        "volunteer01",
        "admin",
        SocialOrgStatus.CONFIRMED,
        ("街道志愿者服务站", "0571-86000110"),
        "凯旋街道的红马甲志愿者队伍，参与平安巡防、环境卫生整治、“凯旋黄金眼”问题发现和大型活动保障。",
        "平安巡防、垃圾分类督导、敬老助残上门服务；志愿服务按规定计入积分。",
        ["volunteer02", "volunteer03", "volunteer04", "volunteer05"],
        [],
    ),
    (
        "南肖埠银龄助老服务队",
        SocialOrgCategory.ELDERLY,
        2,
        "resident03",
        "head03",
        SocialOrgStatus.CONFIRMED,
        ("陈师傅", "13805710003"),
        "低龄老人结对帮扶高龄、独居老人：每周电话问候、上门陪聊，陪同就医和代办小事。",
        "结对帮扶 40 余户独居老人；节假日组织包饺子、剪头发等上门服务。",
        [],
        [],
    ),
    (
        "凯旋商贸职工乒乓球队",
        SocialOrgCategory.SPORTS,
        0,
        "org01",
        "org01",
        SocialOrgStatus.PENDING,
        ("赵经理", "0571-86010004"),
        "凯旋商贸有限公司的职工乒乓球队，愿意每周六下午向社区居民开放公司活动室的三张球台。",
        "每年组织一次社区邻里乒乓球友谊赛。",
        [],
        [],
    ),
]


def load(ctx: dict) -> None:
    User = get_user_model()
    usernames = {"admin"}
    for row in ORGS:
        usernames.update([row[3], row[4], *row[9], *(user for user, _message in row[10])])
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    now = clock.now()
    for i, (
        name,
        category,
        where,
        admin,
        creator,
        status,
        contact,
        intro,
        specialities,
        members,
        waiting,
    ) in enumerate(ORGS):
        unit = ctx["street"] if where == "street" else ctx["communities"][where]
        if admin not in users or creator not in users:
            continue
        created_at = now - timedelta(days=90 - i * 7)
        confirmed = status == SocialOrgStatus.CONFIRMED
        org, _created = SocialOrg.objects.get_or_create(
            unit=unit,
            name=name,
            defaults={
                "category": category,
                "introduction": intro,
                "specialities": specialities,
                "contact_name": contact[0],
                "contact_phone": contact[1],
                "admin": users[admin],
                "status": status,
                "created_by": users[creator],
                "created_at": created_at,
                "decided_by": users[creator] if confirmed else None,
                "decided_at": created_at if confirmed else None,
            },
        )
        for j, username in enumerate(members):
            _request(org, users.get(username), JoinStatus.ACCEPTED, "", created_at + timedelta(days=j + 1))
        for username, message in waiting:
            _request(org, users.get(username), JoinStatus.PENDING, message, now - timedelta(days=1))


def _request(org: SocialOrg, user, status: str, message: str, at) -> None:
    if user is None or JoinRequest.objects.filter(org=org, user=user).exists():
        return
    JoinRequest.objects.create(
        org=org,
        user=user,
        status=status,
        message=message,
        created_at=at,
        decided_by=org.admin if status == JoinStatus.ACCEPTED else None,
        decided_at=at + timedelta(hours=20) if status == JoinStatus.ACCEPTED else None,
    )
