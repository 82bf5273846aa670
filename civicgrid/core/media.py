"""Uploaded files are served only to those who may see what they belong to.

Each app registers, for the folder its uploads go to, a check `(user, name) -> bool` (e.g. cases:
the photo's case is visible to the user). A file with no registered folder, or a check that says
no, is a 404 — the same answer as a file that does not exist.
"""

import mimetypes
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

READERS: dict[str, Callable[[object, str], bool]] = {}


def register(folder: str, can_read: Callable[[object, str], bool]) -> None:
    """`folder` is the first part of the stored name ("cases", "visits", "news")."""
    READERS[folder] = can_read


@login_not_required
@require_GET
def serve(request, name: str):
    can_read = READERS.get(name.split("/", 1)[0])
    if can_read is None or not can_read(request.user, name):
        raise Http404
    if ".." in name.split("/") or not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
