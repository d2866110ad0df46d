from django.urls import path

from . import views_activities

app_name = "campaigns"

urlpatterns = []

# --- activities, photos, review (views_activities.py) ---
urlpatterns += [
    path("activities/", views_activities.activity_list, name="activity_list"),
    path("activities/mine/", views_activities.activity_mine, name="activity_mine"),
    path("activities/new/", views_activities.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views_activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views_activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/review/", views_activities.activity_review, name="activity_review"),
    path("activities/<int:pk>/photos/<int:photo_pk>/delete/", views_activities.photo_delete,
         name="activity_photo_delete"),
    path("photos/<int:pk>/", views_activities.photo, name="photo"),
    path("photos/<int:pk>/thumb/", views_activities.photo_thumb, name="photo_thumb"),
    path("review/", views_activities.review_queue, name="review_queue"),
]

# --- commitments, meetings, campaigns (views_commitments.py) ---
