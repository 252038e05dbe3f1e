"""Project-wide HTTP rules that every view would otherwise repeat.

- HEAD is answered wherever GET is: the request runs as a GET (so `require_GET` views, the CSRF check and
  caching see what they expect) and the body is dropped, headers kept. Monitors, link checkers and
  `curl -I` send HEAD; a 405 there reads as "the site is down".
- A NUL byte anywhere in the query string is a 400: PostgreSQL cannot store or compare one, so it would
  surface as a 500 deep inside a query.
"""

from django.http import HttpResponseBadRequest


class HeadAsGetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        if response.streaming:
            close = getattr(response.streaming_content, "close", None)
            if close:
                close()
            response.streaming_content = []
        else:
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response


class RefuseNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest(
                "A NUL character is not allowed in a query.", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
