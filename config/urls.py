"""Root URLs: the public site (events), the curators' admin."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

admin.site.site_header = "Dailies curation"
admin.site.site_title = "Dailies curation"
admin.site.index_title = "Curate the timeline"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("alerts/", include("alerts.urls")),
    path("", include("events.urls")),
]

if settings.DAILIES_BENCH_VIEWS:

    @require_GET
    def bench_bare(request):
        """The web floor for bench/web.py: the full middleware stack and a fixed small response."""
        return HttpResponse("ok\n", content_type="text/plain")

    urlpatterns.insert(0, path("_bench/bare", bench_bare))
