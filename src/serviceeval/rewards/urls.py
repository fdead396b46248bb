from django.urls import path

from . import views

app_name = "rewards"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/recompute/", views.recompute, name="recompute"),
    path("<int:year>/entries/new/", views.entry_new, name="entry_new"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("<int:year>/roster.<str:fmt>", views.export, name="export"),
    path("award/", views.award, name="award"),
    path("<int:year>/award/propose/", views.propose, name="propose"),
    path("award/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("award/<int:pk>/step/", views.step, name="step"),
    path("award/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("award/<int:pk>/consent/", views.consent, name="consent"),
    path("award/<int:pk>/reuse/", views.reuse, name="reuse"),
    path("<int:year>/award/first-level/", views.enter_first_level, name="enter_first_level"),
]
