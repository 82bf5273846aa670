"""Writes of 投票与调研 (every state change: checked, in one transaction, audited)."""

from .polls import poll_close, poll_create, poll_publish, poll_update, vote_cast
from .surveys import (
    question_add,
    question_delete,
    question_move,
    question_update,
    survey_close,
    survey_create,
    survey_publish,
    survey_respond,
    survey_update,
)

__all__ = [
    "poll_close",
    "poll_create",
    "poll_publish",
    "poll_update",
    "question_add",
    "question_delete",
    "question_move",
    "question_update",
    "survey_close",
    "survey_create",
    "survey_publish",
    "survey_respond",
    "survey_update",
    "vote_cast",
]
