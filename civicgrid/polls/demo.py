"""Demo polls and surveys: a street-wide poll in progress, a community's finished poll with its
results, a draft, and a satisfaction survey with answers. Ballots and answers of earlier weeks are
written as they stand, so the figures look lived-in; new ones go through the services."""

from datetime import timedelta

from django.contrib.auth import get_user_model

from civicgrid.core import clock

from .choices import PollKind, QuestionKind, ResultsVisibility, Status
from .models import Answer, Poll, PollOption, Question, QuestionOption, Response, Survey, Vote, VoteChoice

POLLS = [
    {
        "key": "street",
        "title": "2027 年街道民生实事项目征集投票",
        "description": "街道每年办好一批民生实事。请从下列候选项目中选出您最希望明年落实的项目（最多 3 项），"
        "得票较高的项目将提交街道居民代表会议审议。",
        "kind": PollKind.MULTIPLE,
        "max_choices": 3,
        "results_visibility": ResultsVisibility.AFTER_VOTING,
        "days": (-3, 11),
        "status": Status.PUBLISHED,
        "options": [
            "增设社区老年食堂（助老送餐）",
            "儿童游乐设施改造",
            "青少年暑期托管班",
            "老旧小区加装电梯",
            "家庭医生签约服务进社区",
            "增设电动自行车集中充电桩",
        ],
    },
    {
        "key": "community0",
        "title": "重阳节敬老活动形式投票",
        "description": "今年重阳节社区准备为 70 岁以上老人办一场活动，请选出您最喜欢的形式。",
        "kind": PollKind.SINGLE,
        "max_choices": 1,
        "results_visibility": ResultsVisibility.ALWAYS,
        "days": (-25, -10),
        "status": Status.CLOSED,
        "options": ["百家宴（老人与家庭同聚）", "老年人智能手机培训", "健康义诊与养生讲座", "文艺汇演"],
    },
    {
        "key": "community1",
        "title": "小区停车位划线方案投票",
        "description": "物业提出两种地面停车位划线方案，请居民选择。",
        "kind": PollKind.SINGLE,
        "max_choices": 1,
        "results_visibility": ResultsVisibility.AFTER_CLOSING,
        "days": (2, 16),
        "status": Status.DRAFT,
        "options": ["方案一：单侧划线，保留消防通道", "方案二：双侧划线，增加车位 20 个"],
    },
]

QUESTIONS = [
    (QuestionKind.SINGLE, "您在本社区居住了多久？", True, ["不到 1 年", "1–5 年", "5–10 年", "10 年以上"]),
    (
        QuestionKind.MULTIPLE,
        "您最希望社区改善哪些方面？（可多选）",
        True,
        ["环境卫生", "停车秩序", "养老服务", "儿童活动场地", "文体活动"],
    ),
    (QuestionKind.RATING, "您对社区工作人员服务的满意程度", True, []),
    (QuestionKind.TEXT, "您对社区还有哪些意见或建议？", False, []),
]
SUGGESTIONS = [
    "希望晚上小区路灯多开一会儿。",
    "垃圾分类点的气味有点大，建议增加清洗次数。",
    "建议周末多组织一些亲子活动。",
    "",
    "楼道里电动车充电的问题请多关注。",
]


def _voters():
    User = get_user_model()
    names = [f"resident{i:02d}" for i in range(1, 21)] + [f"volunteer{i:02d}" for i in range(1, 21)]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    return [users[name] for name in names if name in users]


def _community_of(user, communities):
    number = int(user.username[-2:])
    return communities[(number - 1) % len(communities)]


def load(ctx: dict) -> None:
    User = get_user_model()
    street, communities = ctx["street"], ctx["communities"]
    leader = User.objects.filter(username="leader01").first() or User.objects.get(username="admin")
    heads = {c.pk: User.objects.filter(username=f"head{i:02d}").first() for i, c in enumerate(communities, 1)}
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    units = {"street": street, "community0": communities[0], "community1": communities[1]}
    voters = _voters()
    made = {}
    for spec in POLLS:
        unit = units[spec["key"]]
        opens, closes = (now + timedelta(days=d) for d in spec["days"])
        poll, _created = Poll.objects.get_or_create(
            unit=unit,
            title=spec["title"],
            defaults={
                "description": spec["description"],
                "kind": spec["kind"],
                "max_choices": spec["max_choices"],
                "results_visibility": spec["results_visibility"],
                "opens_at": opens,
                "closes_at": closes,
                "status": spec["status"],
                "created_by": heads.get(unit.pk) or leader,
                "created_at": opens - timedelta(days=2),
                "published_at": opens if spec["status"] != Status.DRAFT else None,
                "closed_at": closes if spec["status"] == Status.CLOSED else None,
            },
        )
        for position, text in enumerate(spec["options"], start=1):
            PollOption.objects.get_or_create(poll=poll, text=text, defaults={"position": position})
        made[spec["key"]] = poll

    # Earlier ballots: most residents and volunteers voted in the street poll (resident01 has not yet,
    # so the demo resident can vote), and the first community's members chose their festival activity.
    street_poll = made["street"]
    options = list(street_poll.options.all())
    for i, user in enumerate(voters):
        if user.username == "resident01" or i % 4 == 3:
            continue
        picks = [options[i % len(options)], options[(i * 2 + 1) % len(options)], options[0]]
        _ballot(street_poll, user, _community_of(user, communities), picks, now - timedelta(days=2, hours=i))
    festival = made["community0"]
    options = list(festival.options.all())
    members = [u for u in voters if _community_of(u, communities) == communities[0]]
    for i, user in enumerate(members):
        _ballot(
            festival,
            user,
            communities[0],
            [options[(0, 2, 0, 1, 2)[i % 5]]],
            festival.opens_at + timedelta(days=1 + i),
        )

    _load_survey(street, leader, voters, communities, now)


def _ballot(poll, user, community, picks, at) -> None:
    vote, created = Vote.objects.get_or_create(
        poll=poll, user=user, defaults={"community": community, "created_at": at}
    )
    if created:
        VoteChoice.objects.bulk_create(
            [VoteChoice(vote=vote, option=option) for option in dict.fromkeys(picks)][: poll.choice_limit]
        )


def _load_survey(street, leader, voters, communities, now) -> None:
    survey, created = Survey.objects.get_or_create(
        unit=street,
        title="社区环境与服务满意度调查",
        defaults={
            "intro": "为了解居民对社区环境和服务的评价，街道开展本次调研，约需 2 分钟。"
            "答卷不记录姓名，结果汇总后用于改进工作。",
            "opens_at": now - timedelta(days=5),
            "closes_at": now + timedelta(days=9),
            "status": Status.PUBLISHED,
            "created_by": leader,
            "created_at": now - timedelta(days=6),
            "published_at": now - timedelta(days=5),
        },
    )
    if not created:
        return
    questions = []
    for position, (kind, text, required, options) in enumerate(QUESTIONS, start=1):
        question = Question.objects.create(
            survey=survey, position=position, kind=kind, text=text, required=required
        )
        QuestionOption.objects.bulk_create(
            [QuestionOption(question=question, text=o, position=i) for i, o in enumerate(options, 1)]
        )
        questions.append((question, list(question.options.all())))
    for i, user in enumerate(voters[1:16]):
        response = Response.objects.create(
            survey=survey,
            user=user,
            community=_community_of(user, communities),
            created_at=now - timedelta(days=4, hours=-i),
        )
        (single, single_options), (multiple, multiple_options), (rating, _), (text, _) = questions
        rows = [
            Answer(response=response, question=single, option=single_options[i % 4]),
            Answer(response=response, question=multiple, option=multiple_options[i % 5]),
            Answer(response=response, question=rating, rating=3 + i % 3),
        ]
        if i % 3 == 0:
            rows.append(Answer(response=response, question=multiple, option=multiple_options[(i + 2) % 5]))
        suggestion = SUGGESTIONS[i % len(SUGGESTIONS)]
        if suggestion:
            rows.append(Answer(response=response, question=text, text=suggestion))
        Answer.objects.bulk_create(rows)
