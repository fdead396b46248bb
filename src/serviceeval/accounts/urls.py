from django.urls import path

from . import people_views as views

app_name = "accounts"

urlpatterns = [
    path("", views.people, name="people"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_edit, name="person_edit"),
    path("<int:pk>/active/", views.person_active, name="person_active"),
    path("<int:pk>/2fa-reset/", views.person_twofactor_reset, name="person_twofactor_reset"),
    path("<int:pk>/send-link/", views.person_send_link, name="person_send_link"),
]
