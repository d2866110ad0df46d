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

# part B: 双培双带, volunteers, 流动党员
from . import views_service  # noqa: E402

urlpatterns += [
    path("rich/", views_service.rich_list, name="rich_list"),
    path("<int:pk>/rich/", views_service.rich_add, name="rich_add"),
    path("teams/", views_service.team_list, name="team_list"),
    path("teams/<int:pk>/", views_service.team_detail, name="team_detail"),
    path("teams/<int:pk>/service/", views_service.service_add, name="service_add"),
    path("volunteer-hours/", views_service.volunteer_hours, name="volunteer_hours"),
    path("volunteer-hours/export.xlsx", views_service.volunteer_hours_export, name="volunteer_hours_export"),
    path("migrants/", views_service.migrant_list, name="migrant_list"),
    path("migrants/<int:pk>/contact/", views_service.contact_add, name="contact_add"),
]
