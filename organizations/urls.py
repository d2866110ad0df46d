from django.urls import path

from cobuild.replica import replica_reads

from . import import_views, job_views, pickers, views

app_name = "organizations"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("lookup/units/", pickers.unit_lookup, name="unit_lookup"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/coverage/", replica_reads(views.coverage), name="coverage"),
    path("units/<int:pk>/leaders/new/", views.leader_create, name="leader_create"),
    path("leaders/<int:pk>/edit/", views.leader_edit, name="leader_edit"),
    path("leaders/<int:pk>/delete/", views.leader_delete, name="leader_delete"),
    path("jobs/", job_views.job_list, name="job_list"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", job_views.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
    path("import/", import_views.import_start, name="import"),
    path("import/jobs/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("import/jobs/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/<slug:kind>/", import_views.import_upload, name="import_upload"),
    path("import/<slug:kind>/template.xlsx", import_views.import_template, name="import_template"),
]
