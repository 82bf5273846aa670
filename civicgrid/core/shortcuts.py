from django.http import Http404

from .errors import NotFound


def found_or_404(getter, **kwargs):
    """Call a scoped `access_*` selector; 'not there' and 'not yours' both become the page's 404."""
    try:
        return getter(**kwargs)
    except NotFound:
        raise Http404 from None
