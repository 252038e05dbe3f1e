from django.urls import path

from . import feeds, outputs, views

app_name = "events"

urlpatterns = [
    path("", views.timeline, name="timeline"),
    path("about/", views.about, name="about"),
    path("events/<slug:slug>/", views.event_detail, name="event"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/suggest", views.organisation_suggest, name="organisation_suggest"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("lawsuits/", views.lawsuit_list, name="lawsuits"),
    path("lawsuits/<slug:slug>/", views.lawsuit_detail, name="lawsuit"),
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/<slug:slug>/", views.agreement_detail, name="agreement"),
    # The timeline's outputs: same query parameters as `/`.
    path("feed.atom", feeds.atom_feed, name="feed_atom"),
    path("feed.rss", feeds.rss_feed, name="feed_rss"),
    path("api/events", outputs.api_events, name="api_events"),
    path("export.csv", outputs.export_csv, name="export_csv"),
    path("calendar.ics", outputs.calendar_ics, name="calendar_ics"),
]
