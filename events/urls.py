from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.timeline, name="timeline"),
    path("events/<slug:slug>/", views.event_detail, name="event"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("lawsuits/", views.lawsuit_list, name="lawsuits"),
    path("lawsuits/<slug:slug>/", views.lawsuit_detail, name="lawsuit"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/<slug:slug>/", views.agreement_detail, name="agreement"),
]
