"""Today's date for tests, read when a test runs.

TIME_ZONE is Asia/Shanghai, whose midnight is 16:00 UTC. A module-level ``TODAY = timezone.localdate()``
is evaluated when pytest collects the module: a run collected before 16:00 UTC whose tests run after
it compared yesterday's constant with the application's today. Tests, fixtures and helpers call
``today()`` (and derive their dates from it) at the moment they need it instead."""

from django.utils import timezone


def today():
    """Today in TIME_ZONE, now (``timezone.localdate()``)."""
    return timezone.localdate()
