"""JSON API of 跳蚤市场与微商圈 (mounted at /api/v1/market/)."""

from ninja import Router

router = Router()
