from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentLevel(models.TextChoices):
    CENTRAL = "central", _("中央")
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
