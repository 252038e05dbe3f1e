"""Known XSS payloads, placed by tests/security into every field a visitor or a curator sees.

Each one is a string an attacker could get into our data: through a feed (titles, summaries, authors),
through a source's metadata, or through a curator's copy-paste. They are grouped by technique; the tests
only need that each one, rendered anywhere, stays text.
"""

SCRIPT_TAGS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.example/xss.js></SCRIPT>",
    "<script src=data:text/javascript,alert(1)></script>",
    "<ScRiPt>alert(String.fromCharCode(88,83,83))</sCrIpT>",
    "<<script>alert(1);//<</script>",
    "<script/xss src=https://xss.example/x.js></script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    '"><script>alert(document.cookie)</script>',
    "'><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(\'xss\')">',
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)">',
    "<marquee onstart=alert(1)>x</marquee>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)' x='",
    'x" autofocus onfocus="alert(1)" y="',
    "<div onpointerenter=alert(1)>hover</div>",
    "<select autofocus onfocus=alert(1)>",
]

JAVASCRIPT_URLS = [
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" &#14; javascript:alert(1)">x</a>',
    "<form action=javascript:alert(1)><input type=submit>",
    "<button formaction=javascript:alert(1)>x</button>",
    "<a href=vbscript:msgbox(1)>x</a>",
]

SVG_AND_MATH = [
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICK</math>',
    '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></iframe></foreignObject></svg>',
]

FRAMES_AND_OBJECTS = [
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<base href="https://xss.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<link rel=import href=https://xss.example/x.html>",
]

ENCODED = [
    "&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "%253Cscript%253Ealert(1)%253C%252Fscript%253E",
    "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",  # UTF-7
    "<scr\x00ipt>alert(1)</scr\x00ipt>",  # a literal NUL: stored as U+FFFD, see storable()
    "<scr&#0;ipt>alert(1)</script>",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "\\x3cimg src=x onerror=alert(1)\\x3e",  # JavaScript string escapes, left literal
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "＜script＞alert(1)＜/script＞",  # fullwidth angle brackets
    "<img src=`x` onerror=alert(1)>",
]

CSS = [
    '<div style="width: expression(alert(1))">x</div>',
    "<style>@import 'https://xss.example/x.css';</style>",
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<div style="background-image:url(javascript:alert(1))">x</div>',
    '<p style="behavior: url(xss.htc)">x</p>',
]

TEMPLATE_INJECTION = [
    "{{ 7*7 }}",
    "{{constructor.constructor('alert(1)')()}}",
    "{% debug %}",
    "${alert(1)}",
    "#{7*7}",
    '<div hx-get="/admin/" hx-trigger="load">x</div>',
    '<div x-data x-init="alert(1)">x</div>',
]

XSS_PAYLOADS = (
    SCRIPT_TAGS
    + EVENT_HANDLERS
    + JAVASCRIPT_URLS
    + SVG_AND_MATH
    + FRAMES_AND_OBJECTS
    + ENCODED
    + CSS
    + TEMPLATE_INJECTION
)

# Values for URL fields (a source's link, an organisation's website): none may become a live href.
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(document.domain)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript://example.com/%0Aalert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "//xss.example/no-scheme",
    'https://example.com/"><script>alert(1)</script>',
    "https://example.com/' onmouseover='alert(1)",
]

assert len(XSS_PAYLOADS) >= 50, len(XSS_PAYLOADS)
assert len(set(XSS_PAYLOADS)) == len(XSS_PAYLOADS), "payloads must be distinct (names are unique)"


def storable(text):
    """PostgreSQL text cannot hold NUL (the admin's forms refuse it): store U+FFFD, as HTML parsers do."""
    return text.replace("\x00", "\ufffd")
