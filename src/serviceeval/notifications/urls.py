from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.open_notice, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.settings_page, name="settings"),
    path("outbox/", views.outbox_page, name="outbox"),
    path("outbox/retry/", views.outbox_retry, name="outbox_retry"),
]
