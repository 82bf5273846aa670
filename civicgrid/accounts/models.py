from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.crypto import EncryptedTextField, blind_index, mask

from .choices import AccountKind


class User(AbstractUser):
    """An account: staff sign in with a user name, residents and organisations with a mobile number."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    kind = models.CharField(
        _("账号类型"), max_length=16, choices=AccountKind.choices, default=AccountKind.STAFF
    )
    phone = EncryptedTextField(_("手机号"), blank=True)
    # Keyed digest of the phone for exact lookup (log-in by phone); the clear number is never stored.
    phone_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        self.phone_index = blind_index(self.phone, purpose="phone") if self.phone else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_index"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username

    @property
    def masked_phone(self) -> str:
        return mask(self.phone)

    @property
    def is_staff_account(self) -> bool:
        return self.kind == AccountKind.STAFF
