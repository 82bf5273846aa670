"""JSON API of 资源共享 (mounted at /api/v1/bookings/)."""

from ninja import Router

router = Router()
