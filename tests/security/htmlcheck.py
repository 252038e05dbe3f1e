"""Find live script in rendered HTML the way a browser would see it, not by grepping strings.

`dangers(html)` parses a page with html.parser (which decodes entities in attribute values, as browsers
do) and lists everything that could run script: <script> with a body or a foreign src, on* attributes,
javascript:/vbscript:/data: URLs in any URL attribute, srcdoc, and tags no page of ours ever emits
(iframe, object, svg, math, base...). `texts(html)` returns the page's text nodes, to prove a payload was
rendered as text rather than dropped.
"""

import re
from html.parser import HTMLParser

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "background",
    "poster",
    "xlink:href",
    "cite",
    "longdesc",
    "usemap",
    "srcset",
    "ping",
    "manifest",
    "codebase",
    "dynsrc",
    "lowsrc",
    "archive",
    "classid",
    "profile",
}
# Tags that a page of ours never contains: their presence means markup was injected. (<svg> is ours: charts
# and the admin's icons; script inside it is caught by the script, on* and URL checks.)
FOREIGN_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "math",
    "template",
    "marquee",
    "video",
    "audio",
    "source",
    "isindex",
    "xml",
    "animate",
    "foreignobject",
    "mglyph",
    "mtext",
    "portal",
}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
HTMX_REQUESTS = {"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
# Browsers ignore ASCII whitespace and control characters inside a URL's scheme.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def _normalised_url(value):
    return _IGNORED_IN_SCHEME.sub("", value or "").lower()


def _own_path(value):
    """htmx may only fetch from this site: a path, not another origin."""
    value = (value or "").strip()
    return value.startswith("/") and not value.startswith(("//", "/\\"))


class _Scanner(HTMLParser):
    def __init__(self, *, admin):
        super().__init__(convert_charrefs=True)
        self.admin = admin
        self.problems = []
        self.text = []
        self.attribute_values = []
        self._in = None

    def shows(self, text):
        return any(text in chunk for chunk in self.text) or any(
            text in value for value in self.attribute_values
        )

    def _flag(self, tag, what):
        self.problems.append(f"<{tag}> {what}")

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag in {"script", "style"}:
            self._in = tag

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "script" and data.strip():
            self._flag("script", f"with an inline body {data.strip()[:60]!r}")
        elif self._in == "style" and data.strip() and not self.admin:
            self._flag("style", f"with an inline body {data.strip()[:60]!r}")
        elif self._in is None:
            self.text.append(data)

    def _check(self, tag, attrs):
        if tag in FOREIGN_TAGS:
            self._flag(tag, "injected")
        if tag == "style" and not self.admin:
            self._flag(tag, "injected stylesheet")
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            self._flag(tag, "http-equiv")
        if tag == "link" and dict(attrs).get("rel") not in {"stylesheet", "alternate", "icon", "canonical"}:
            self._flag(tag, f"rel={dict(attrs).get('rel')!r}")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/") or src.startswith("//"):
                self._flag(tag, f"src={src!r} is not our own")
        for name, value in attrs:
            value = value or ""
            self.attribute_values.append(value)
            if name.startswith("on"):
                self._flag(tag, f"event handler {name}={value[:60]!r}")
            elif name == "srcdoc":
                self._flag(tag, "srcdoc")
            elif name == "style" and not self.admin:
                self._flag(tag, f"style attribute {value[:60]!r}")
            elif name == "style" and re.search(r"expression|url\s*\(|javascript|behavior", value, re.I):
                self._flag(tag, f"active style {value[:60]!r}")
            elif name in URL_ATTRIBUTES and _normalised_url(value).startswith(DANGEROUS_SCHEMES):
                if not self._inert_data_url(tag, name, value, attrs):
                    self._flag(tag, f"{name}={value[:60]!r}")
            elif name.startswith(("hx-on", "data-hx-on")):
                self._flag(tag, f"htmx inline handler {name}")
            elif name.removeprefix("data-") in HTMX_REQUESTS and not _own_path(value):
                self._flag(tag, f"htmx request to {value[:60]!r}")
            elif name.removeprefix("data-") in {"hx-vals", "hx-headers"} and _normalised_url(
                value
            ).startswith(("js:", "javascript:")):
                self._flag(tag, f"htmx evaluated {name}")

    @staticmethod
    def _inert_data_url(tag, name, value, attrs):
        """An image can come as a data: URL (an <img>, a favicon): it runs no script, even as SVG."""
        rel = (dict(attrs).get("rel") or "").lower().split()
        return _normalised_url(value).startswith("data:") and (
            (tag == "img" and name == "src") or (tag == "link" and name == "href" and "icon" in rel)
        )


def scan(html, *, admin=False):
    scanner = _Scanner(admin=admin)
    scanner.feed(html)
    scanner.close()
    return scanner


def dangers(html, *, admin=False):
    """Everything in `html` that could run script; empty when the page is safe.

    `admin=True` accepts inline styles (style attributes of Django's admin and django-simple-history, the
    ingest review screen's <style> block: test_csp tracks those, and CSS runs no script in a current
    browser); on* attributes, script URLs and inline scripts are refused there as everywhere.
    """
    return scan(html, admin=admin).problems


def texts(html):
    """The text of the page outside <script> and <style>, entities decoded, one string."""
    return "\x1f".join(scan(html, admin=True).text)


def shows(html, text):
    """Whether `text` reaches the page intact, as text or as an attribute's value (entities decoded)."""
    return scan(html, admin=True).shows(text)


def is_dangerous_url(value):
    return _normalised_url(value).startswith(DANGEROUS_SCHEMES)
