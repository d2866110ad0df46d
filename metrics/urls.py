from django.urls import path

from . import views, views_reports

app_name = "metrics"

urlpatterns = [
    path("summary.csv", views.summary_csv, name="summary_csv"),
]

# Report pages: completeness, bulletin, dashboard workbook, appraisal tallies, assessment.
urlpatterns += [
    path("completeness/", views_reports.completeness, name="completeness"),
    path("bulletin/", views_reports.bulletin, name="bulletin"),
    path("dashboard.xlsx", views_reports.dashboard_xlsx, name="dashboard_xlsx"),
    path("surveys/", views_reports.survey_list, name="survey_list"),
    path("surveys/new/", views_reports.survey_create, name="survey_create"),
    path("surveys/<int:pk>/edit/", views_reports.survey_edit, name="survey_edit"),
    path("assessment/", views_reports.assessment, name="assessment"),
]

from . import views_dashboard  # noqa: E402  (dashboard and targets)

urlpatterns += [
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("targets/", views_dashboard.targets, name="targets"),
    path("targets/<int:pk>/delete/", views_dashboard.target_delete, name="target_delete"),
]
