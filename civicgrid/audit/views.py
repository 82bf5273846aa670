from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from civicgrid.org.decorators import require_action

from . import exports, selectors
from .choices import AuditAction

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTERS = ("actor", "action", "object", "from", "to")


class ExportForm(forms.Form):
    reason = forms.CharField(
        label=_("导出用途"),
        max_length=100,
        error_messages={"required": _("请填写导出用途。")},
        widget=forms.TextInput(attrs={"placeholder": _("例如：核查某账号的操作")}),
    )


@require_action("audit.view")
def event_list(request):
    """Search the audit trail by actor, action, object and date range."""
    events = selectors.events_matching(request.GET)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {"page": page, "actions": AuditAction.choices, "filters": request.GET, "form": ExportForm()}
    template = "audit/partials/rows.html" if request.htmx else "audit/list.html"
    return render(request, template, context)


@require_http_methods(["POST"])
@require_action("audit.view")
def export(request):
    """The events matching the search, as XLSX, with the reason for the export (audited)."""
    form = ExportForm(request.POST)
    filters = {name: request.POST.get(name, "") for name in FILTERS if request.POST.get(name)}
    if not form.is_valid():
        context = {
            "page": Paginator(selectors.events_matching(filters), 50).get_page(1),
            "actions": AuditAction.choices,
            "filters": filters,
            "form": form,
        }
        return render(request, "audit/list.html", context, status=422)
    content = exports.events_xlsx(
        actor=request.user,
        events=selectors.events_matching(filters),
        reason=form.cleaned_data["reason"],
        filters=filters,
        request=request,
    )
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    return response
