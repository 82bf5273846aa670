"""Bridging service errors into forms, so a page shows the same Chinese message the service raised."""

import zipfile

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


class SpreadsheetField(forms.FileField):
    """A CSV or XLSX upload of at most 50 MB. An XLSX is a zip: one that would unpack to more than
    MAX_UNPACKED (a zip bomb) or is no zip at all is refused before any reader opens it."""

    MAX_BYTES = 50 * 1024 * 1024
    MAX_UNPACKED = 300 * 1024 * 1024

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("只支持 CSV 或 XLSX 文件。"))
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("文件不能超过 50 MB。"))
        if upload.name.lower().endswith(".xlsx"):
            try:
                with zipfile.ZipFile(upload) as workbook:
                    unpacked = sum(entry.file_size for entry in workbook.infolist())
            except (zipfile.BadZipFile, OSError):
                raise ValidationError(_("文件不是有效的 XLSX 表格。")) from None
            finally:
                upload.seek(0)
            if unpacked > self.MAX_UNPACKED:
                raise ValidationError(_("表格内容过大（解压后超过 300 MB），请拆分后再导入。"))
        return upload
