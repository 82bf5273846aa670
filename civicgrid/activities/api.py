"""JSON API of 社区活动 (mounted at /api/v1/activities/)."""

from ninja import Router

router = Router()
