from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/coverage/", views.coverage, name="coverage"),
    path("units/<int:pk>/leaders/new/", views.leader_create, name="leader_create"),
    path("leaders/<int:pk>/edit/", views.leader_edit, name="leader_edit"),
    path("leaders/<int:pk>/delete/", views.leader_delete, name="leader_delete"),
    path("import/", views.unit_list, name="import"),  # replaced by the import views below
]
