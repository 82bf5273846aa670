"""WSGI entry point for gunicorn; production settings unless DJANGO_SETTINGS_MODULE says otherwise."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.production")

application = get_wsgi_application()

# Load the Chinese word dictionary before the first request, not during a worker's first search.
from civicgrid.fieldwork.search import warm_up  # noqa: E402

warm_up()
