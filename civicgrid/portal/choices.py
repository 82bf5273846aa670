from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REFUSED = "refused", _("未通过")


class RedemptionStatus(models.TextChoices):
    REQUESTED = "requested", _("待领取")
    HANDED_OVER = "handed_over", _("已领取")


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL = "social", _("社会组织")
    MERCHANT = "merchant", _("商户")


class CodePurpose(models.TextChoices):
    SIGNUP = "signup", _("注册")
    PASSWORD_RESET = "password_reset", _("找回密码")
