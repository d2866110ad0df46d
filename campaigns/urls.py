from django.urls import path

from . import views_activities, views_boards, views_commitments, views_plans

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
    path("activities/<int:pk>/correct/", views_activities.activity_correct, name="activity_correct"),
    path("activities/<int:pk>/photos/<int:photo_pk>/delete/", views_activities.photo_delete,
         name="activity_photo_delete"),
    path("photos/staged/", views_activities.photo_stage, name="photo_stage"),
    path("photos/staged/<int:pk>/", views_activities.staged_photo, name="staged_photo"),
    path("photos/<int:pk>/", views_activities.photo, name="photo"),
    path("photos/<int:pk>/thumb/", views_activities.photo_thumb, name="photo_thumb"),
    path("review/", views_activities.review_queue, name="review_queue"),
]

# --- commitments, meetings, campaigns (views_commitments.py) ---
urlpatterns += [
    path("", views_commitments.campaign_list, name="campaign_list"),
    path("new/", views_commitments.campaign_create, name="campaign_create"),
    path("<int:pk>/", views_commitments.campaign_detail, name="campaign_detail"),
    path("<int:pk>/edit/", views_commitments.campaign_edit, name="campaign_edit"),
    path("<int:pk>/phase/", views_commitments.campaign_phase, name="campaign_phase"),
    path("commitments/", views_commitments.commitment_list, name="commitment_list"),
    path("commitments/new/", views_commitments.commitment_create, name="commitment_create"),
    path("commitments/<int:pk>/", views_commitments.commitment_detail, name="commitment_detail"),
    path("commitments/<int:pk>/edit/", views_commitments.commitment_edit, name="commitment_edit"),
    path("commitments/<int:pk>/status/", views_commitments.commitment_status, name="commitment_status"),
    path("commitments/<int:pk>/correct/", views_commitments.commitment_correct, name="commitment_correct"),
    path("board/<int:unit_pk>/", views_commitments.board, name="board"),
    path("meetings/", views_commitments.meeting_list, name="meeting_list"),
    path("meetings/new/", views_commitments.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views_commitments.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views_commitments.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/correct/", views_commitments.meeting_correct, name="meeting_correct"),
    path("meetings/<int:pk>/decisions/add/", views_commitments.meeting_decision_add,
         name="meeting_decision_add"),
    path("decisions/", views_commitments.decision_list, name="decision_list"),
    path("decisions/<int:pk>/edit/", views_commitments.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/correct/", views_commitments.decision_correct, name="decision_correct"),
    path("surveys/<int:pk>/correct/", views_commitments.survey_correct, name="survey_correct"),
]

# --- annual plans per pairing (views_plans.py) and public boards (views_boards.py) ---
urlpatterns += [
    path("plans/pairing/<int:pk>/", views_plans.plan_edit, name="plan_edit"),
    path("plans/behind/", views_plans.plan_behind, name="plan_behind"),
    path("plans/behind.xlsx", views_plans.plan_behind_xlsx, name="plan_behind_xlsx"),
    path("boards/", views_boards.board_list, name="board_list"),
    path("boards/new/", views_boards.board_create_view, name="board_create"),
    path("boards/<int:pk>/", views_boards.board_detail, name="board_detail"),
    path("boards/<int:pk>/withdraw/", views_boards.board_withdraw_view, name="board_withdraw"),
]
