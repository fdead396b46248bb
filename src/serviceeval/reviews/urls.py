from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("", views.home, name="home"),
    path("cycles/<int:year>/panel/", views.panel, name="panel"),
    path("cycles/<int:year>/assignments/grid/", views.assignment_grid, name="assignment_grid"),
    path("cycles/<int:year>/progress/", views.progress, name="progress"),
    path("cycles/<int:year>/conflicts/", views.declare_conflict, name="declare_conflict"),
    path("cycles/<int:year>/agencies/<int:agency_id>/", views.agency_review, name="agency"),
    path(
        "cycles/<int:year>/agencies/<int:agency_id>/sheet/<slug:round>/",
        views.sheet,
        name="sheet",
    ),
    path("sheets/<int:pk>/reopen/", views.sheet_reopen, name="sheet_reopen"),
    path("cycles/<int:year>/results/", views.results, name="results"),
    path("cycles/<int:year>/overview/", views.cycle_overview, name="cycle_overview"),
    path("cycles/<int:year>/results/action/", views.results_action, name="results_action"),
    path("cycles/<int:year>/results.<str:fmt>", views.results_export, name="results_export"),
    path("cycles/<int:year>/scores.<str:fmt>", views.scores_export, name="scores_export"),
    path("cycles/<int:year>/calibration/", views.calibration, name="calibration"),
    path(
        "cycles/<int:year>/calibration/<int:agency_id>/",
        views.calibration_agency,
        name="calibration_agency",
    ),
    path("cycles/<int:year>/feedback/<int:agency_id>/", views.feedback, name="feedback"),
    path(
        "cycles/<int:year>/feedback/<int:agency_id>.<str:fmt>",
        views.feedback_export,
        name="feedback_export",
    ),
    path("improvements/", views.improvements, name="improvements"),
    path("improvements/<int:pk>/", views.improvement, name="improvement"),
    path(
        "improvements/letter/<int:year>/<int:agency_id>.<str:fmt>",
        views.improvement_letter,
        name="improvement_letter",
    ),
    path(
        "improvements/<int:pk>/evidence/<int:evidence_id>/",
        views.improvement_evidence,
        name="improvement_evidence",
    ),
]
