"""Root URLs: the public site (events), the curators' admin."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Dailies curation"
admin.site.site_title = "Dailies curation"
admin.site.index_title = "Curate the timeline"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("events.urls")),
]
