from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="notice_list"),
    path("inbox/", views.inbox, name="inbox"),
    path("new/", views.notice_create, name="notice_create"),
    path("briefings/new/", views.briefing_create, name="briefing_create"),
    path("<int:pk>/", views.notice_detail, name="notice_detail"),
    path("<int:pk>/remind/", views.notice_remind, name="notice_remind"),
    path("receipts/<int:pk>/acknowledge/", views.receipt_acknowledge, name="receipt_acknowledge"),
    path("receipts/<int:pk>/reply/", views.receipt_reply, name="receipt_reply"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
]
