"""What the cases app shows on the home pages."""

from django.db.models import Q

from civicgrid.core import clock
from civicgrid.org.selectors import memberships_of, user_can

from .choices import OPEN_STATUSES, CaseStatus
from .models import Case
from .selectors import cases_for


def staff_panel(request):
    user = request.user
    if not user_can(user, "cases.view"):
        return None
    now = clock.now()
    units = [m.unit_id for m in memberships_of(user)]
    # Three narrow counts, each answered by an index (status; holder+status), rather than one
    # aggregate that would read every case in a leader's street.
    mine = Case.objects.filter(holder_id__in=units, status__in=sorted(OPEN_STATUSES))
    counts = {
        "waiting": cases_for(user).filter(status=CaseStatus.AWAITING_CLAIM).count(),
        "mine": mine.count(),
        "mine_red": mine.filter(
            Q(red_at__isnull=False) | Q(stage_due_at__lte=now, paused_at__isnull=True)
        ).count(),
    }
    return {"template": "cases/partials/home_panel.html", **counts}


def portal_panel(request):
    if not user_can(request.user, "cases.report"):
        return None
    return {
        "template": "cases/partials/portal_panel.html",
        "reported": cases_for(request.user).filter(reporter=request.user).count(),
    }
