from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from coalition import twofactor
from coalition.admin import audit_site
from dashboard import views as dashboard

urlpatterns = [
    path("", dashboard.home, name="dashboard"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", twofactor.setup, name="otp_setup"),
    path("accounts/two-factor/verify/", twofactor.verify, name="otp_verify"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The language switcher is on every public page too (django.conf.urls.i18n's view is not marked public). It only
    # sets the language cookie and redirects to a same-site page, so it needs no CSRF cookie: the hotline intake pages
    # set none (docs/security.md).
    # nosemgrep: semgrep.csrf-exempt-outside-allow-list
    path("i18n/setlang/", login_not_required(csrf_exempt(set_language)), name="set_language"),
    path("admin/", admin.site.urls),
    path("audit/", audit_site.urls),
    path("", include("members.urls")),
    path("", include("donations.urls")),
    path("", include("events.urls")),
    path("", include("hotline.urls")),
    path("", include("electionday.urls")),
    path("api/v1/", include("electionday.api.urls")),
    path("", include("portal.urls")),
]
