from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("export.xlsx", views.person_export, name="person_export"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/step/", views.step_add, name="step_add"),
    path("board/", views.board, name="board"),
    path("priorities/", views.priorities, name="priorities"),
]
