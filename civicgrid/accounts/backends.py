"""Residents and organisations sign in with their mobile number (looked up by blind index)."""

import re

from django.contrib.auth.backends import ModelBackend

from civicgrid.core.crypto import blind_index

from .choices import AccountKind
from .models import User

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class PhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None or not MOBILE_RE.match(username):
            return None
        try:
            user = User.objects.get(
                phone_index=blind_index(username, purpose="phone"),
                kind__in=[AccountKind.RESIDENT, AccountKind.ORGANISATION],
            )
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing difference
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
