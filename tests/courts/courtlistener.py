"""A loopback server that answers as CourtListener's REST API v4 does, for the docket sync tests.

Shapes follow CourtListener's documentation: `GET /api/rest/v4/dockets/<id>/` returns the docket
(`id`, `court_id`, `docket_number`, `case_name`, `assigned_to_str`, `date_filed`...);
`GET /api/rest/v4/docket-entries/?docket=<id>` returns a cursor-paged list
`{"count", "next", "previous", "results": [...]}` whose entries carry `id`, `docket` (a URL),
`entry_number`, `date_filed`, `description` and `recap_documents`. Faults are queued per page: a 429
with Retry-After, or a 500.
"""

import json
from urllib.parse import parse_qs, urlsplit

API = "/api/rest/v4/"
JSON = "application/json"


def entry(entry_id, number, date, description, docket_id):
    return {
        "resource_uri": f"https://www.courtlistener.com/api/rest/v4/docket-entries/{entry_id}/",
        "id": entry_id,
        "docket": f"https://www.courtlistener.com/api/rest/v4/dockets/{docket_id}/",
        "date_created": f"{date}T10:00:00-07:00",
        "date_modified": f"{date}T10:00:00-07:00",
        "date_filed": date,
        "entry_number": number,
        "recap_sequence_number": f"{date}.{number:03d}",
        "pacer_sequence_number": number,
        "description": description,
        "recap_documents": [],
        "tags": [],
    }


class FakeCourtListener:
    """Serves one docket whose entries come `per_page` at a time; `faults[page]` lists answers to give first."""

    def __init__(self, server, docket_id, entries, *, per_page=3, docket=None):
        self.server, self.docket_id, self.entries, self.per_page = server, docket_id, entries, per_page
        self.faults = {}  # page number (1-based) -> list of (status, headers) to answer before the page
        self.docket = docket or {}
        server.add(f"{API}dockets/{docket_id}/", self.answer_docket)
        server.add(f"{API}docket-entries/", self.answer_entries)

    @property
    def api_url(self):
        return self.server.url(API)

    def answer_docket(self, handler):
        body = {
            "resource_uri": f"https://www.courtlistener.com/api/rest/v4/dockets/{self.docket_id}/",
            "id": self.docket_id,
            "court": "https://www.courtlistener.com/api/rest/v4/courts/cacd/",
            "court_id": "cacd",
            "case_name": "Disney Enterprises, Inc. v. Midjourney, Inc.",
            "docket_number": "2:25-cv-05275",
            "assigned_to_str": "John A. Kronstadt",
            "date_filed": "2025-06-11",
            "date_terminated": None,
            **self.docket,
        }
        handler.respond(200, json.dumps(body), content_type=JSON)

    def answer_entries(self, handler):
        query = parse_qs(urlsplit(handler.path).query)
        if handler.headers.get("Authorization") != "Token test-token":
            return handler.respond(401, json.dumps({"detail": "Invalid token."}), content_type=JSON)
        if query.get("docket") != [str(self.docket_id)]:
            return handler.respond(200, json.dumps({"count": 0, "next": None, "previous": None, "results": []}))
        page = int(query.get("cursor", ["1"])[0])
        queued = self.faults.get(page) or []
        if queued:
            status, headers = queued.pop(0)
            return handler.respond(status, json.dumps({"detail": "fault"}), content_type=JSON, headers=headers)
        start = (page - 1) * self.per_page
        results = self.entries[start : start + self.per_page]
        more = start + self.per_page < len(self.entries)
        body = {
            "count": len(self.entries),
            "next": self.server.url(f"{API}docket-entries/?docket={self.docket_id}&cursor={page + 1}")
            if more
            else None,
            "previous": None,
            "results": results,
        }
        handler.respond(200, json.dumps(body), content_type=JSON)

    def entry_requests(self):
        return self.server.requests_to(f"{API}docket-entries/")
