"""接口密钥 pages: platform admins make keys for departmental systems (the key shown once) and revoke them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core.errors import DomainError
from civicgrid.core.forms import add_service_errors
from civicgrid.org.decorators import require_action
from civicgrid.org.selectors import units_visible_to

from . import selectors, services
from .forms import ApiKeyForm


@never_cache  # the page that shows a new key once must not be kept by any cache
@require_http_methods(["GET", "POST"])
@require_action("integrations.manage")
def keys(request):
    units = list(units_visible_to(request.user).order_by("path"))  # every unit of the admin's places
    form = ApiKeyForm(request.POST or None, units=units)
    created, status = None, 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                key, full = services.api_key_create(
                    actor=request.user,
                    name=data["name"],
                    unit=next(u for u in units if u.pk == data["unit"]),
                    role=data["role"],
                    rate_per_minute=data["rate_per_minute"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                created, status = {"key": key, "full": full}, 201
                form = ApiKeyForm(units=units)
    context = {"form": form, "keys": selectors.keys_visible_to(request.user)[:200], "created": created}
    return render(request, "integrations/keys.html", context, status=status)


@require_POST
@require_action("integrations.manage")
def key_revoke(request, key_id: int):
    key = get_object_or_404(selectors.keys_visible_to(request.user), pk=key_id)
    try:
        services.api_key_revoke(actor=request.user, key=key)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("密钥已吊销，立即失效。"))
    return redirect("integrations:keys")
