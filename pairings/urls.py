from django.urls import path

from cobuild.replica import replica_reads

from . import pickers, views_pairing

app_name = "pairings"

urlpatterns = []

# --- register, ledger, matrix (views_pairing.py) ---
urlpatterns += [
    path("", views_pairing.pairing_list, name="register"),
    path("lookup/", pickers.pairing_lookup, name="pairing_lookup"),
    path("<int:pk>/", views_pairing.pairing_detail, name="detail"),
    path("<int:pk>/ledger.xlsx", views_pairing.ledger_xlsx, name="ledger_xlsx"),
    path("matrix/", replica_reads(views_pairing.matrix), name="matrix"),
    path("matrix/silent.xlsx", views_pairing.silent_xlsx, name="silent_xlsx"),
]

# --- contact points, inspections, rectification, help pairs (views_supervision.py) ---
from . import views_supervision as sv  # noqa: E402

urlpatterns += [
    path("contact-points/", sv.contactpoint_list, name="contactpoint_list"),
    path("contact-points/new/", sv.contactpoint_create, name="contactpoint_create"),
    path("contact-points/<int:pk>/", sv.contactpoint_detail, name="contactpoint_detail"),
    path("contact-points/<int:pk>/edit/", sv.contactpoint_edit, name="contactpoint_edit"),
    path("contact-points/<int:pk>/visits/new/", sv.contactpoint_visit, name="contactpoint_visit"),
    path("inspections/", sv.inspection_list, name="inspection_list"),
    path("inspections/new/", sv.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", sv.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/edit/", sv.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/correct/", sv.inspection_correct, name="inspection_correct"),
    path("inspections/<int:pk>/rectifications/new/", sv.rectification_create, name="rectification_create"),
    path("rectifications/", sv.rectification_list, name="rectification_list"),
    path("rectifications/overdue/", sv.rectification_overdue, name="rectification_overdue"),
    path("rectifications/mine/", sv.rectification_mine, name="rectification_mine"),
    path("rectifications/<int:pk>/", sv.rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/progress/", sv.rectification_update, name="rectification_update"),
    path("rectifications/<int:pk>/close/", sv.rectification_close, name="rectification_close"),
    path("help-pairs/", sv.helppair_list, name="helppair_list"),
    path("help-pairs/new/", sv.helppair_create, name="helppair_create"),
    path("help-pairs/<int:pk>/edit/", sv.helppair_edit, name="helppair_edit"),
    path("help-pairs/<int:pk>/status/", sv.helppair_status, name="helppair_status"),
]
