"""Writes of 社区活动: every state change checked, atomic and audited (see the modules)."""

from .activities import (
    activity_cancel,
    activity_create,
    activity_hide,
    activity_publish,
    activity_refuse,
    activity_unhide,
    activity_update,
)
from .attendance import attendance_mark, photo_add, photo_approve, photo_hide
from .signups import promote, signup_cancel, signup_create

__all__ = [
    "activity_cancel",
    "activity_create",
    "activity_hide",
    "activity_publish",
    "activity_refuse",
    "activity_unhide",
    "activity_update",
    "attendance_mark",
    "photo_add",
    "photo_approve",
    "photo_hide",
    "promote",
    "signup_cancel",
    "signup_create",
]
