"""Data tables of the demand menus: the words by which a suggestion speaks of a group, and activity
ideas per group (the street's custom menu: 老年人如何防三高, 书香满园, 我是小小志愿者 …)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import Audience

# A suggestion that contains one of these words counts as a demand of the group.
KEYWORDS: dict[str, tuple[str, ...]] = {
    Audience.ELDERLY: ("老人", "老年", "养老", "助餐", "敬老", "长者", "退休", "独居", "三高", "养生"),
    Audience.YOUTH: ("青少年", "青年", "年轻人", "中学生", "大学生", "篮球", "就业", "读书会"),
    Audience.CHILDREN: ("儿童", "孩子", "小孩", "小朋友", "幼儿", "托管", "放学", "绘本", "暑假", "寒假"),
    Audience.FAMILIES: ("家庭", "亲子", "全家", "家长", "邻里", "二孩"),
    Audience.DISABLED: ("残疾", "残障", "轮椅", "无障碍", "盲人", "聋", "康复"),
    Audience.VOLUNTEERS: ("志愿", "红马甲", "义工", "服务队"),
}


@dataclass(frozen=True)
class Idea:
    key: str
    audience: str
    title: str
    description: str
    hours: float = 2
    capacity: int = 30


IDEAS: list[Idea] = [
    Idea(
        "elderly-health",
        Audience.ELDERLY,
        _("老年人如何防三高健康讲座"),
        _("邀请社区卫生服务中心医生讲解高血压、高血糖、高血脂的预防与日常管理，现场免费量血压。"),
        1.5,
        40,
    ),
    Idea(
        "elderly-spring",
        Audience.ELDERLY,
        _("春季养生讲座"),
        _("中医师讲解春季饮食起居与养生保健，现场答疑。"),
        1.5,
        40,
    ),
    Idea(
        "elderly-phone",
        Audience.ELDERLY,
        _("老年人智能手机课堂"),
        _("志愿者一对一教老人使用健康码、视频通话、网上挂号和防范电信诈骗。"),
        2,
        20,
    ),
    Idea(
        "youth-books",
        Audience.YOUTH,
        _("书香满园读书会"),
        _("青少年共读一本好书，分享读书心得，交换闲置书籍。"),
        2,
        30,
    ),
    Idea(
        "youth-career",
        Audience.YOUTH,
        _("青年职业分享沙龙"),
        _("邀请辖区企业的青年骨干分享求职与职业成长经验。"),
        2,
        30,
    ),
    Idea(
        "youth-ball",
        Audience.YOUTH,
        _("社区篮球友谊赛"),
        _("辖区青年组队参赛，以球会友。"),
        3,
        40,
    ),
    Idea(
        "children-volunteer",
        Audience.CHILDREN,
        _("我是小小志愿者"),
        _("孩子们在家长陪同下参与垃圾分类宣传、楼道清洁等志愿服务。"),
        2,
        25,
    ),
    Idea(
        "children-craft",
        Audience.CHILDREN,
        _("布贴画制作"),
        _("老师带领孩子们用碎布制作布贴画，作品在社区展示。"),
        2,
        20,
    ),
    Idea(
        "children-holiday",
        Audience.CHILDREN,
        _("暑期兴趣托管班"),
        _("暑期工作日下午在社区活动室开展作业辅导和兴趣课程。"),
        3,
        30,
    ),
    Idea(
        "families-cooking",
        Audience.FAMILIES,
        _("厨艺大比拼"),
        _("以家庭为单位现场烹饪拿手菜，邻里品尝评选。"),
        3,
        20,
    ),
    Idea(
        "families-neighbours",
        Audience.FAMILIES,
        _("情满金秋·邻里一家亲"),
        _("与辖区单位联合举办的邻里节：百家宴、旧物交换、才艺展示。"),
        4,
        100,
    ),
    Idea(
        "families-sports",
        Audience.FAMILIES,
        _("亲子趣味运动会"),
        _("两人三足、袋鼠跳等亲子项目，增进家庭和邻里感情。"),
        3,
        60,
    ),
    Idea(
        "disabled-rehab",
        Audience.DISABLED,
        _("康复健身指导"),
        _("康复师上门或在社区指导残疾人开展适宜的康复锻炼。"),
        2,
        15,
    ),
    Idea(
        "disabled-company",
        Audience.DISABLED,
        _("助残志愿陪伴日"),
        _("志愿者陪同残疾人外出参观、购物，提供出行帮助。"),
        4,
        15,
    ),
    Idea(
        "volunteers-training",
        Audience.VOLUNTEERS,
        _("红马甲志愿服务培训"),
        _("讲解志愿服务礼仪、应急救护常识和“黄金眼”问题发现上报方法。"),
        2,
        50,
    ),
    Idea(
        "volunteers-clean",
        Audience.VOLUNTEERS,
        _("楼道清洁日"),
        _("志愿者与居民一起清理楼道堆放物，消除消防隐患。"),
        2,
        40,
    ),
    Idea(
        "all-singing",
        Audience.ALL,
        _("社区歌咏赛"),
        _("各楼道、文化团队组队参赛，评选优秀节目。"),
        3,
        80,
    ),
    Idea(
        "all-pingpong",
        Audience.ALL,
        _("乒乓球比赛"),
        _("社区乒乓球单打、双打比赛，不限年龄。"),
        3,
        32,
    ),
]
IDEAS_BY_KEY: dict[str, Idea] = {idea.key: idea for idea in IDEAS}


def ideas_for(audience: str) -> list[Idea]:
    return [idea for idea in IDEAS if idea.audience == audience]
