"""Reference endpoints for the benchmark suite: what the stack itself costs (bench settings only)."""

from django.http import JsonResponse
from ninja import Field, Router, Schema

from .models import BenchRow

router = Router(auth=None)


class RowIn(Schema):
    label: str = Field(..., max_length=100)
    value: int = 0


class RowOut(Schema):
    id: int
    label: str = Field(..., max_length=100)
    value: int


@router.post("/insert", response={201: RowOut})
def insert_one(request, payload: RowIn):
    return 201, BenchRow.objects.create(label=payload.label, value=payload.value)


@router.get("/list", response=list[RowOut])
def list_twenty(request):
    return list(BenchRow.objects.order_by("-id").values("id", "label", "value")[:20])


def bare_json(request):
    """A Django view with no database work: the floor of any request."""
    return JsonResponse({"ok": True})
