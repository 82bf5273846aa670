"""网络投票 and 网络调研: polls and surveys for the verified residents of a community or the whole street."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import OrgUnit

from .choices import Phase, PollKind, QuestionKind, ResultsVisibility, Status

USER = settings.AUTH_USER_MODEL


class Windowed(models.Model):
    """What polls and surveys share: an audience (a community or the street), a time window and a status.
    Whether one is open is derived from the status and the clock, never stored."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("参与范围"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=80)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(USER, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    def phase(self, now: datetime) -> Phase:
        if self.status == Status.DRAFT:
            return Phase.DRAFT
        if self.status == Status.CLOSED or now >= self.closes_at:
            return Phase.CLOSED
        if now < self.opens_at:
            return Phase.UPCOMING
        return Phase.OPEN

    def is_open(self, now: datetime) -> bool:
        return self.phase(now) == Phase.OPEN

    def is_closed(self, now: datetime) -> bool:
        return self.phase(now) == Phase.CLOSED


class Poll(Windowed):
    """网络投票: one question, single or multiple choice; one vote per verified resident."""

    description = models.TextField(_("说明"), blank=True)
    kind = models.CharField(_("投票方式"), max_length=10, choices=PollKind.choices, default=PollKind.SINGLE)
    max_choices = models.PositiveSmallIntegerField(_("最多可选"), default=1)
    results_visibility = models.CharField(
        _("结果公开"),
        max_length=16,
        choices=ResultsVisibility.choices,
        default=ResultsVisibility.AFTER_VOTING,
    )

    class Meta:
        verbose_name = _("网络投票")
        verbose_name_plural = _("网络投票")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="poll_window_valid"),
            models.CheckConstraint(condition=Q(max_choices__gte=1), name="poll_max_choices_positive"),
        ]
        indexes = [models.Index(fields=["unit", "status", "-closes_at"], name="poll_unit_status")]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("polls:poll", args=[self.pk])

    @property
    def choice_limit(self) -> int:
        return 1 if self.kind == PollKind.SINGLE else self.max_choices


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, verbose_name=_("投票"), on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("选项"), max_length=100)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("投票选项")
        verbose_name_plural = _("投票选项")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Vote(models.Model):
    """One resident's ballot. The database holds the rule "one vote per resident per poll"."""

    poll = models.ForeignKey(Poll, verbose_name=_("投票"), on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(USER, verbose_name=_("投票人"), on_delete=models.CASCADE, related_name="+")
    # The voter's community when they voted: street-wide results per community, and demand menus.
    community = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在社区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("投票时间"))

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="poll_one_vote_per_user")]
        indexes = [models.Index(fields=["community"], name="vote_community")]

    def __str__(self) -> str:
        return f"{self.poll_id} · {self.user_id}"


class VoteChoice(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="choices")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="choices")

    class Meta:
        verbose_name = _("所选选项")
        verbose_name_plural = _("所选选项")
        constraints = [models.UniqueConstraint(fields=["vote", "option"], name="vote_choice_once")]

    def __str__(self) -> str:
        return f"{self.vote_id} → {self.option_id}"


class Survey(Windowed):
    """网络调研: a questionnaire; one response per resident, summarised for the staff."""

    intro = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("网络调研")
        verbose_name_plural = _("网络调研")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="survey_window_valid")
        ]
        indexes = [models.Index(fields=["unit", "status", "-closes_at"], name="survey_unit_status")]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("polls:survey", args=[self.pk])


class Question(models.Model):
    survey = models.ForeignKey(
        Survey, verbose_name=_("调研"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=200)
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        verbose_name = _("调研问题")
        verbose_name_plural = _("调研问题")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def field_name(self) -> str:
        """The name of the question's field in forms and error dicts."""
        return f"q{self.pk}"


class QuestionOption(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("选项"), max_length=100)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("问题选项")
        verbose_name_plural = _("问题选项")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One resident's answers to a survey; the database holds "one response per resident"."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(USER, verbose_name=_("填写人"), on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在社区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("调研答卷")
        verbose_name_plural = _("调研答卷")
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_one_response_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} · {self.user_id}"


class Answer(models.Model):
    """One answer row: a chosen option (one row per option of a multiple choice), a rating or a text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(
        QuestionOption, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    text = models.TextField(_("回答"), blank=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="answer_rating_1_to_5",
            ),
            models.UniqueConstraint(
                fields=["response", "question", "option"],
                condition=Q(option__isnull=False),
                name="answer_option_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question"], condition=Q(option__isnull=True), name="answer_value_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} · {self.question_id}"
