"""A small client for CourtListener's REST API v4: a docket, and its docket entries page by page.

Authenticated with `Authorization: Token <token>` (COURTLISTENER_TOKEN). CourtListener allows an
authenticated user 5,000 requests an hour, so requests are spaced by COURTLISTENER_MIN_INTERVAL seconds
(0.75 s: 4,800 an hour at most). A 429 is answered by waiting its Retry-After when that is short, else by
raising RateLimited so the task can come back later; other failures raise CourtListenerError.
"""

import time

import httpx
from django.conf import settings

USER_AGENT = "Dailies docket sync (+https://github.com/dailies)"
INLINE_RETRIES = 3


class CourtListenerError(Exception):
    """CourtListener could not be read (network, HTTP error, malformed answer); the message says which."""


class RateLimited(CourtListenerError):
    def __init__(self, retry_after):
        self.retry_after = retry_after
        super().__init__(f"rate limited by CourtListener: retry after {retry_after} s")


def enabled():
    return bool(settings.COURTLISTENER_TOKEN)


def retry_after_seconds(response, default=60):
    """Retry-After in seconds (CourtListener sends a number); a date or garbage falls back to `default`."""
    try:
        return max(0, int(response.headers.get("Retry-After", "")))
    except ValueError:
        return default


class CourtListener:
    def __init__(self, token=None, base_url=None, min_interval=None, timeout=30):
        self.base_url = (base_url or settings.COURTLISTENER_API_URL).rstrip("/") + "/"
        self.min_interval = settings.COURTLISTENER_MIN_INTERVAL if min_interval is None else min_interval
        self.http = httpx.Client(
            headers={
                "Authorization": f"Token {token or settings.COURTLISTENER_TOKEN}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
            timeout=timeout,
        )
        self._last_request = 0.0
        self.requests = 0

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def get(self, url, params=None):
        """The JSON at `url` (absolute, or relative to the API root), spaced and retried as documented."""
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url.lstrip("/")
        for attempt in range(INLINE_RETRIES + 1):
            wait = self._last_request + self.min_interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_request = time.monotonic()
            self.requests += 1
            try:
                response = self.http.get(url, params=params)
            except httpx.HTTPError as error:
                raise CourtListenerError(f"cannot reach CourtListener ({type(error).__name__}: {error})") from error
            if response.status_code == 429:
                delay = retry_after_seconds(response)
                # A short wait is waited out here; a longer one ends the poll and the task comes back later.
                if delay > settings.COURTLISTENER_INLINE_WAIT or attempt == INLINE_RETRIES:
                    raise RateLimited(delay)
                time.sleep(delay)
                continue
            if response.status_code >= 400:
                raise CourtListenerError(f"HTTP {response.status_code} from CourtListener for {response.url.path}")
            try:
                return response.json()
            except ValueError as error:
                raise CourtListenerError(f"CourtListener sent something that is not JSON for {url}") from error
        raise AssertionError("not reached: the loop returns or raises")

    def docket(self, docket_id):
        return self.get(f"dockets/{int(docket_id)}/")

    def docket_entry_pages(self, docket_id, filed_since=None):
        """Each page of the docket's entries (a list of dicts), following `next` until there is none."""
        params = {"docket": int(docket_id)}
        if filed_since:
            params["date_filed__gte"] = filed_since.isoformat()
        page = self.get("docket-entries/", params=params)
        while True:
            results = page.get("results") if isinstance(page, dict) else None
            if not isinstance(results, list):
                raise CourtListenerError("CourtListener's docket-entries answer has no 'results' list")
            yield results
            if not page.get("next"):
                return
            page = self.get(page["next"])
