from django.contrib import admin
from django.urls import include, path

from serviceeval.accounts import views as accounts
from serviceeval.api.urls import urlpatterns as api_urlpatterns
from serviceeval.web import agency_people, calendar, history, program_pages, public_results
from serviceeval.web import views as web

urlpatterns = [
    path("", web.home, name="home"),
    path("accounts/login/", web.LoginView.as_view(), name="login"),
    path("accounts/logout/", web.logout_view, name="logout"),
    path("accounts/ping/", web.session_ping, name="session_ping"),
    path("accounts/2fa/setup/", accounts.twofactor_setup, name="twofactor_setup"),
    path("accounts/2fa/verify/", accounts.twofactor_verify, name="twofactor_verify"),
    path("accounts/2fa/recovery/", accounts.recovery_codes_new, name="recovery_codes_new"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/people/", include("serviceeval.accounts.urls")),
    path("dashboard/", web.dashboard, name="dashboard"),
    path("agencies/", web.agency_list, name="agency_list"),
    path("agencies/<int:pk>/", web.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/category/", web.agency_category, name="agency_category"),
    path("agencies/<int:pk>/people/", agency_people.agency_people, name="agency_people"),
    path("agencies/<int:pk>/history/", history.agency_history, name="agency_history"),
    path("cycles/", web.cycle_list, name="cycle_list"),
    path("cycles/<int:year>/", web.cycle_detail, name="cycle_detail"),
    path(
        "cycles/<int:year>/carry-over/",
        web.cycle_carry_over_add,
        name="cycle_carry_over_add",
    ),
    path("results/", public_results.index, name="public_results_index"),
    path("results/<int:year>/", public_results.results, name="public_results"),
    path(
        "results/<int:year>/results.<str:fmt>",
        public_results.export,
        name="public_results_export",
    ),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/upload/", calendar.calendar_upload, name="calendar_upload"),
    path("calendar/day/", calendar.calendar_day, name="calendar_day"),
    path("calendar/day/delete/", calendar.calendar_day_delete, name="calendar_day_delete"),
    path("programs/", web.program_list, name="program_list"),
    path("programs/upload/", program_pages.program_upload, name="program_upload"),
    path("programs/<int:pk>/", web.program_detail, name="program_detail"),
    path("programs/<int:pk>/program.yaml", program_pages.program_yaml, name="program_yaml"),
    path(
        "programs/<int:pk>/compare/<int:other_pk>/",
        program_pages.program_compare,
        name="program_compare",
    ),
    path("programs/<int:pk>/confirm/", web.program_confirm, name="program_confirm"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", include("serviceeval.notifications.urls")),
    path("submissions/", include("serviceeval.submissions.urls")),
    path("reviews/", include("serviceeval.reviews.urls")),
    path("fieldtests/", include("serviceeval.fieldtests.urls")),
    path("rewards/", include("serviceeval.rewards.urls")),
    path("api/v1/", include((api_urlpatterns, "api"), namespace="api")),
    # One sign-in path (F2): the admin's own login form would skip the lockout and
    # two-factor, so it is the product's sign-in page.
    path("admin/login/", accounts.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

handler403 = "serviceeval.web.views.error_403"
handler404 = "serviceeval.web.views.error_404"
handler500 = "serviceeval.web.views.error_500"
