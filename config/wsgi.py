import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Load the Chinese segmenter's dictionaries now, not on the first check a user makes.
try:
    import textmatch

    textmatch.warm_up()
except Exception:  # a slow first request is better than a server that does not start
    import logging

    logging.getLogger(__name__).exception("textmatch warm-up failed")
