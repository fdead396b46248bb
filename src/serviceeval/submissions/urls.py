from django.urls import path

from . import views

app_name = "submissions"
KIND = "<int:year>/<str:kind>/<int:agency_id>/"
urlpatterns = [
    path("", views.index, name="index"),
    path("status/", views.status, name="status"),
    path(KIND, views.detail, name="detail"),
    path(KIND + "edit/", views.edit, name="edit"),
    path(KIND + "request-approval/", views.request_approval, name="request_approval"),
    path(KIND + "approve/", views.approve, name="approve"),
    path(KIND + "head-return/", views.head_return, name="head_return"),
    path(KIND + "submit/", views.submit, name="submit"),
    path(KIND + "return/", views.return_, name="return"),
    path(KIND + "accept/", views.accept, name="accept"),
    path(KIND + "reopen/", views.reopen, name="reopen"),
    path(KIND + "comment/", views.comment, name="comment"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("public/", views.public_index, name="public_index"),
    path("public/<int:year>/", views.public_plans, name="public"),
    path(
        "public/<int:year>/<int:agency_id>/plan.<str:fmt>",
        views.public_plan_file,
        name="public_file",
    ),
]
