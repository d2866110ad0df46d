from django.urls import path

from cobuild.replica import replica_reads

from . import views, views_reports

app_name = "metrics"

# Pages wrapped in ``replica_reads`` only read: with a replica configured (DATABASE_REPLICA_URL)
# they read from it (cobuild.replica: writes and reads right after a write stay on default).
urlpatterns = [
    path("summary.csv", replica_reads(views.summary_csv), name="summary_csv"),
]

# Report pages: completeness, bulletin, dashboard workbook, appraisal tallies, assessment.
urlpatterns += [
    path("completeness/", replica_reads(views_reports.completeness), name="completeness"),
    path("bulletin/", replica_reads(views_reports.bulletin), name="bulletin"),
    path("dashboard.xlsx", views_reports.dashboard_xlsx, name="dashboard_xlsx"),
    path("surveys/", views_reports.survey_list, name="survey_list"),
    path("surveys/new/", views_reports.survey_create, name="survey_create"),
    path("surveys/<int:pk>/edit/", views_reports.survey_edit, name="survey_edit"),
    path("assessment/", replica_reads(views_reports.assessment), name="assessment"),
]

from . import views_dashboard  # noqa: E402  (dashboard and targets)

urlpatterns += [
    path("dashboard/", replica_reads(views_dashboard.dashboard), name="dashboard"),
    path("targets/", views_dashboard.targets, name="targets"),
    path("targets/<int:pk>/delete/", views_dashboard.target_delete, name="target_delete"),
]

from . import views_jobs  # noqa: E402  (the background rebuild)

urlpatterns += [
    path("rebuild/", views_jobs.rebuild, name="rebuild"),
]

from . import views_assessment  # noqa: E402  (考核方案: computed, reviewed, frozen, published)

urlpatterns += [
    path("surveys/compare/", replica_reads(views_reports.survey_compare), name="survey_compare"),
    path("assessments/", views_assessment.scheme_list, name="scheme_list"),
    path("assessments/new/", views_assessment.scheme_create, name="scheme_create"),
    path("assessments/<int:pk>/", views_assessment.scheme_detail, name="scheme_detail"),
    path("assessments/<int:pk>/items/", views_assessment.scheme_item, name="scheme_item"),
    path("assessments/<int:pk>/rules/", views_assessment.scheme_rule, name="scheme_rule"),
    path("assessments/<int:pk>/adjust/", views_assessment.scheme_adjust, name="scheme_adjust"),
    path("assessments/<int:pk>/step/", views_assessment.scheme_step, name="scheme_step"),
    path("assessments/<int:pk>/result.xlsx", views_assessment.scheme_xlsx, name="scheme_xlsx"),
]
