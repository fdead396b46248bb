from django.urls import path

from . import views

app_name = "fieldtests"
urlpatterns = [
    path("", views.index, name="index"),
    path("records/", views.records, name="records"),
    path("<int:year>/phone/new/", views.phone_new, name="phone_new"),
    path("<int:year>/visit/new/", views.visit_new, name="visit_new"),
    path("<int:year>/agency/<int:agency_id>/", views.agency, name="agency"),
    path("visit/<int:pk>/", views.visit_detail, name="visit"),
    path("phone/<int:pk>/delete/", views.phone_delete, name="phone_delete"),
    path("visit/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("photo/<int:pk>/", views.photo, name="photo"),
]
