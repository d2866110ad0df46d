from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from campaigns import views_boards
from metrics import views_workbench
from organizations import account_views
from organizations import views as org_views

admin.site.site_header = "党群共建工作平台 · 数据管理"
admin.site.site_title = "党群共建工作平台"
admin.site.index_title = "数据维护"

urlpatterns = [
    path("healthz", org_views.healthz, name="healthz"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/login/code/", account_views.login_code, name="login_code"),
    path("accounts/2fa/", account_views.two_factor_setup, name="two_factor"),
    path("accounts/2fa/codes/", account_views.two_factor_codes, name="two_factor_codes"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views_workbench.workbench, name="home"),
    # 公示栏: the one public page (no login), at an unguessable token (campaigns/views_boards.py)
    path("p/<str:token>/", views_boards.board_public, name="board_public"),
    path("org/", include("organizations.urls")),
    path("pairings/", include("pairings.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("people/", include("people.urls")),
    path("metrics/", include("metrics.urls")),
    path("notices/", include("notices.urls")),
    path("creation/", include("creation.urls")),
    path("admin/", admin.site.urls),
]

# Error pages in Chinese with the menu (cobuild.errors); 404 and 403 use Django's views with
# templates/404.html and 403.html, which already render with the request.
handler400 = "cobuild.errors.bad_request"
handler500 = "cobuild.errors.server_error"
