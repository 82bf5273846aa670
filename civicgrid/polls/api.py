"""JSON API of 投票与调研 (mounted at /api/v1/polls/)."""

from ninja import Router

router = Router()
