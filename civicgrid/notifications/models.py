from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in a user's in-app inbox; also what email and SMS backends deliver."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # The same event never notifies the same person twice (sweeps and retries may run again).
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The outbox (services.deliver): what is owed beyond the inbox, set in the insert; who is sending it
    # (a lease: nobody else tries before this moment); when it went out. db_default: rows written by
    # code that predates these columns owe nothing.
    email_due = models.BooleanField(_("待发邮件"), default=False, db_default=False)
    email_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    email_sent_at = models.DateTimeField(_("邮件发出时间"), null=True, blank=True)
    sms_due = models.BooleanField(_("待发短信"), default=False, db_default=False)
    sms_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sms_sent_at = models.DateTimeField(_("短信发出时间"), null=True, blank=True)
    # Still unsent a day later: no further attempt (logged once, when this is set).
    delivery_given_up_at = models.DateTimeField(_("放弃发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_time"),
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread"
            ),
            # What the outbox scan reads: only the messages still owed (a handful among millions).
            models.Index(
                fields=["created_at"],
                condition=models.Q(
                    email_due=True, email_sent_at__isnull=True, delivery_given_up_at__isnull=True
                ),
                name="notification_email_owed",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(sms_due=True, sms_sent_at__isnull=True, delivery_given_up_at__isnull=True),
                name="notification_sms_owed",
            ),
        ]

    def __str__(self) -> str:
        return self.title
