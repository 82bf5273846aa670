"""Exactly-once submissions: a client sends an idempotency key with each submission; the server
keeps (user, key) unique, so a retry or a replayed offline queue finds the first result."""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from .errors import Conflict
from .models import Submission

M = TypeVar("M", bound=models.Model)

BAD_KEY = _("提交编号无效。")


def parse_key(value) -> uuid.UUID | None:
    """The key as a UUID, None when absent; a malformed key is refused rather than ignored."""
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({"idempotency_key": [BAD_KEY]}) from None


def once(*, user, key: uuid.UUID | None, kind: str, model: type[M], make: Callable[[], M]) -> tuple[M, bool]:
    """Run `make` once per (user, key): returns (object, created). Without a key it just runs."""
    if key is None:
        return make(), True
    found = _existing(user, key, kind, model)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            submission = Submission.objects.create(user=user, key=key, kind=kind)
            made = make()
            Submission.objects.filter(pk=submission.pk).update(object_id=made.pk)
    except IntegrityError:
        # A concurrent request with the same key committed first (its insert made ours wait).
        found = _existing(user, key, kind, model)
        if found is None:
            raise
        return found, False
    return made, True


def _existing(user, key, kind, model):
    submission = Submission.objects.filter(user=user, key=key).first()
    if submission is None:
        return None
    if submission.kind != kind or submission.object_id is None:
        raise Conflict(_("该提交编号已用于其他内容。"), code="idempotency_key_reused")
    return model.objects.get(pk=submission.object_id)
