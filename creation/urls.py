from django.urls import path

from . import views

app_name = "creation"

urlpatterns = [
    path("", views.goal_list, name="goal_list"),
    path("goals/new/", views.goal_create, name="goal_create"),
    path("goals/<int:pk>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("entries/", views.entry_list, name="entry_list"),
    path("entries/export.xlsx", views.entry_export, name="entry_export"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/declare/", views.entry_declare, name="entry_declare"),
    path("entries/<int:pk>/inspect/", views.entry_inspect, name="entry_inspect"),
    path("entries/<int:pk>/name/", views.entry_name, name="entry_name"),
    path("entries/<int:pk>/return/", views.entry_return, name="entry_return"),
    path("files/<int:pk>/", views.evidence, name="evidence"),
]
