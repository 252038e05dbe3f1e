"""`python -m config.ensure_database`: create the PostgreSQL database named in DATABASE_URL if it is missing.

`make demo` and `make stack` run it before migrating, so `DATABASE_URL=postgres://.../dailies make demo`
works on a fresh server (it failed with `database "dailies" does not exist`). It connects to the server's
`postgres` maintenance database with the same user; SQLite URLs and existing databases are left alone.
"""

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def ensure_database(url):
    """Create the database of `url` when it does not exist. Returns True if it was created."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        return False
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    params = {k: v for k, v in params.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if exists:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
        return True


def main():
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return 0
    try:
        if ensure_database(url):
            print(f"Created the database {dj_database_url.parse(url)['NAME']}.")
    except psycopg.OperationalError as exc:
        print(f"Could not reach PostgreSQL for DATABASE_URL: {exc}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
