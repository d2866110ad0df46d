from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("new/", views.cycle_create, name="cycle_create"),
    path("schemes/", views.scheme_list, name="scheme_list"),
    path("<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("<int:pk>/nominate/", views.nominate, name="nominate"),
    path("<int:pk>/reviewers/", views.cycle_reviewers, name="cycle_reviewers"),
    path("<int:pk>/publicity/", views.cycle_publicity, name="cycle_publicity"),
    path("<int:pk>/close/", views.cycle_close, name="cycle_close"),
    path("<int:pk>/award/", views.cycle_award, name="cycle_award"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination_detail"),
    path("nominations/<int:pk>/edit/", views.nomination_edit, name="nomination_edit"),
    path("nominations/<int:pk>/review/", views.nomination_review, name="nomination_review"),
    path("nominations/<int:pk>/score/", views.nomination_score, name="nomination_score"),
    path("nominations/<int:pk>/objection/", views.objection_add, name="objection_add"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("files/<int:pk>/", views.evidence_file, name="evidence_file"),
]
