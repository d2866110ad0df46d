"""The project's URLs with ``campaigns.urls`` at ``campaigns/`` (a no-op once cobuild/urls.py
includes it). Used with ``pytest.mark.urls`` by the campaign page tests."""

from django.urls import include, path

from cobuild import urls as project

urlpatterns = list(project.urlpatterns)
if not any(getattr(p, "namespace", None) == "campaigns" for p in urlpatterns):
    urlpatterns.insert(len(urlpatterns) - 1, path("campaigns/", include("campaigns.urls")))
