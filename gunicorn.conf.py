"""gunicorn's settings for Dailies (gunicorn reads ./gunicorn.conf.py by itself; `-c gunicorn.conf.py` says so).

Proxy headers are trusted only when DJANGO_BEHIND_TLS_PROXY=1, as in config/settings.py. Out of the box
gunicorn believes X-Forwarded-Proto (and -Protocol, -Ssl) from 127.0.0.1, so any local client could make
a plain-http request look like https; here no peer is trusted unless the switch is on, and then only the
addresses in GUNICORN_FORWARDED_ALLOW_IPS (loopback by default: a proxy on the same machine).
"""

import os

_behind_proxy = os.environ.get("DJANGO_BEHIND_TLS_PROXY", "").strip().lower() in {"1", "true", "yes", "on"}

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
accesslog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if _behind_proxy else ""
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"} if _behind_proxy else {}
