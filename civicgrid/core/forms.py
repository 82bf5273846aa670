"""Bridging service errors into forms, so a page shows the same Chinese message the service raised."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .errors import DomainError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (unknown fields → form-wide)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def run_service(form: forms.Form, call):
    """Run a page's service call for its valid form and return what it returns. Invalid input
    (ValidationError) lands on the form's fields, a refusal (DomainError) on the form itself, so the
    caller only asks `form.errors` afterwards."""
    try:
        return call()
    except ValidationError as error:
        add_service_errors(form, error)
    except DomainError as error:
        form.add_error(None, str(error.message))
    return None


class ReasonField(forms.CharField):
    """Every change to the registry states why (kept in the change history)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("变更原因"))
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("error_messages", {"required": _("请填写变更原因。")})
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": _("例如：入户核实，新生儿落户")}))
        super().__init__(**kwargs)
