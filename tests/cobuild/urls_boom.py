"""The portal's URLs plus a page that fails, for the 500 page's tests."""

from django.urls import path

from cobuild.urls import handler400, handler500  # noqa: F401
from cobuild.urls import urlpatterns as portal


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [*portal, path("boom/", boom)]
