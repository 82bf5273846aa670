"""绩效考核 pages: the rankings the user's role shows, and their audited XLSX export."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core import clock
from civicgrid.core.errors import NotFound
from civicgrid.org.decorators import require_action
from civicgrid.org.selectors import user_can

from . import exports, selectors
from .forms import ExportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value, default: int | None, low: int, high: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


def ranking_for(user, params):
    """Parse scheme, year and month (0 or empty: the whole year); default to last month."""
    today = clock.today()
    last_year, last_month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    year = _int(params.get("year"), last_year, 2000, 2100)
    month = _int(params.get("month"), last_month, 0, 12) or None
    if params.get("month") in ("0", "") and "month" in params:
        month = None
    schemes = selectors.schemes_visible_to(user)
    scheme_id = _int(params.get("scheme"), None, 1, 2**31 - 1)
    try:
        scheme = selectors.access_scheme(user=user, scheme_id=scheme_id) if scheme_id else schemes.first()
    except NotFound as exc:
        raise Http404 from exc
    return schemes, selectors.ranking(user=user, scheme=scheme, year=year, month=month)


def _context(request, schemes, ranking, form) -> dict:
    return {
        "schemes": schemes,
        "ranking": ranking,
        "months": range(1, 13),
        "form": form,
        "can_export": user_can(request.user, "scoring.export"),
    }


@require_GET
@require_action("scoring.view")
def rankings(request):
    """Monthly or yearly ranking of the chosen scheme, rows limited to what the role may see."""
    schemes, ranking = ranking_for(request.user, request.GET)
    return render(request, "scoring/rankings.html", _context(request, schemes, ranking, ExportForm()))


@require_POST
@require_action("scoring.export")
def export(request):
    """The visible ranking as XLSX, with the purpose of the export (audited with its row count)."""
    schemes, ranking = ranking_for(request.user, request.POST)
    form = ExportForm(request.POST)
    if not form.is_valid() or ranking.scheme is None:
        return render(request, "scoring/rankings.html", _context(request, schemes, ranking, form), status=422)
    content = exports.ranking_xlsx(
        actor=request.user, ranking=ranking, reason=form.cleaned_data["reason"], request=request
    )
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="scoring-{stamp}.xlsx"'
    return response
