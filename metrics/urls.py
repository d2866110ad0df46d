from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("summary.csv", views.summary_csv, name="summary_csv"),
]
