from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services


def inbox(request):
    page = Paginator(selectors.inbox(user=request.user), 30).get_page(request.GET.get("page"))
    base = "staff/base.html" if request.user.kind == "staff" else "portal/base.html"
    return render(request, "notifications/inbox.html", {"page": page, "base": base})


@require_POST
def mark_read(request):
    raw = request.POST.get("id")
    services.notification_mark_read(
        user=request.user, notification_id=int(raw) if raw and raw.isdigit() else None
    )
    return redirect("notifications:inbox")
