import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cobuild.settings")
application = get_wsgi_application()

# gunicorn and runserver load this module: no server starts on a missing or published SECRET_KEY
# unless DEBUG (the check runs after setup, so the message is the settings' own).
from cobuild.apps import refuse_published_key  # noqa: E402

refuse_published_key()
