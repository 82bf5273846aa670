from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404

from .errors import DomainError, NotFound


def found_or_404(getter, **kwargs):
    """Call a scoped `access_*` selector; 'not there' and 'not yours' both become the page's 404."""
    try:
        return getter(**kwargs)
    except NotFound:
        raise Http404 from None


def acted(request, call, success: str) -> bool:
    """Run a page's service call from a POST and say the outcome as a message: its invalid input
    (ValidationError) or refusal (DomainError) in Chinese, else `success`. True when it ran."""
    try:
        call()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, success)
        return True
    return False
