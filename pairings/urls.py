from django.urls import path

from . import views_pairing

app_name = "pairings"

urlpatterns = []

# --- register, ledger, matrix (views_pairing.py) ---
urlpatterns += [
    path("", views_pairing.pairing_list, name="register"),
    path("<int:pk>/", views_pairing.pairing_detail, name="detail"),
    path("<int:pk>/ledger.xlsx", views_pairing.ledger_xlsx, name="ledger_xlsx"),
    path("matrix/", views_pairing.matrix, name="matrix"),
    path("matrix/silent.xlsx", views_pairing.silent_xlsx, name="silent_xlsx"),
]

# --- contact points, inspections, rectification, help pairs (views_supervision.py) ---
# (helper B adds its patterns here)
