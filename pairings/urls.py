from django.urls import path

app_name = "pairings"

urlpatterns = []

# --- register, ledger, matrix (views_pairing.py) ---
# (helper A adds its patterns here)

# --- contact points, inspections, rectification, help pairs (views_supervision.py) ---
# (helper B adds its patterns here)
