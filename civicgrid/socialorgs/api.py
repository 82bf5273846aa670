"""JSON API of 社会组织 (mounted at /api/v1/socialorgs/)."""

from ninja import Router

router = Router()
