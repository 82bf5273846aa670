"""Residents and organisations sign in with their mobile number (looked up by blind index)."""

import re

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from civicgrid.core.crypto import blind_index

from .choices import AccountKind
from .models import User
from .selectors import signed_in_user

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class AccountBackend(ModelBackend):
    """Django's model backend; the per-request account lookup goes through the shared cache.

    settings.SHARED_CACHE turns the cache on: only a cache that every process shares (Redis), so that
    a change made in one process reaches the others.
    """

    def get_user(self, user_id):
        if not settings.SHARED_CACHE:
            return super().get_user(user_id)
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class PhoneBackend(AccountBackend):
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
