"""notes: a small web app for futuswarm, backed by PostgreSQL (the notes) and Redis (a write
counter and the last note).

Environment:
  PORT          port to listen on (default 8000), on all interfaces
  DATABASE_URL  postgres://user:password@host:port/db[?sslmode=...]  (futuswarm db:create)
  REDIS_URL     redis:// or rediss://[user]:password@host:port[/db]   (futuswarm cache:create)

Routes:
  GET  /healthz  200 "ok" when PostgreSQL and Redis answer, else 503 and the reason
  POST /notes    store the plain-text request body (at most 4 KiB) as a note, 201 and JSON
  GET  /notes    the 50 newest notes, the write counter and the last note, as JSON

At start it connects to both and exits 1 if either is missing or unreachable, then creates its
table if absent. The URLs hold passwords: they are never printed, only the host and port.
"""

import contextlib
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
import psycopg2.pool
import redis

MAX_BODY = 4096
MAX_DB_CONNECTIONS = 8
CONNECT_TIMEOUT = 5
MIGRATION_LOCK = 727_001  # pg_advisory_xact_lock key: replicas starting together migrate in turn

MIGRATION = """
CREATE TABLE IF NOT EXISTS notes (
  id serial PRIMARY KEY,
  body text NOT NULL,
  created_at timestamptz DEFAULT now()
)
"""


def log(message):
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} {message}", flush=True)


def fail(message):
    log(f"notes: {message}")
    sys.exit(1)


def where(url, default_port):
    """host:port of a URL, the only part of it that may be shown."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or "localhost"
        port = parts.port or default_port
    except ValueError:
        return "an unparsable URL"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def secrets_of(url):
    try:
        password = urllib.parse.urlsplit(url).password
    except ValueError:
        return []
    if not password:
        return []
    return sorted({password, urllib.parse.unquote(password)}, key=len, reverse=True)


class Scrubber:
    """Turns an exception into one line without any password in it."""

    def __init__(self, *urls):
        self.secrets = [s for url in urls for s in secrets_of(url)]

    def __call__(self, error):
        text = " ".join(str(error).split()) or type(error).__name__
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


class Database:
    def __init__(self, url):
        self.pool = psycopg2.pool.ThreadedConnectionPool(
            1, MAX_DB_CONNECTIONS, url, connect_timeout=CONNECT_TIMEOUT, application_name="notes"
        )
        # the pool raises when it is exhausted: wait for a free connection instead
        self.slots = threading.BoundedSemaphore(MAX_DB_CONNECTIONS)

    @contextlib.contextmanager
    def cursor(self):
        """A cursor in a transaction: committed when the block ends, rolled back on error. A
        connection that failed is closed rather than reused (the server may have restarted)."""
        with self.slots:
            conn = self.pool.getconn()
            failed = True
            try:
                with conn, conn.cursor() as cur:
                    yield cur
                failed = False
            finally:
                self.pool.putconn(conn, close=failed or bool(conn.closed))

    def read(self, query, params=()):
        """Runs a read-only query, once more on a fresh connection if the pooled one was dead."""
        for attempt in (1, 2):
            try:
                with self.cursor() as cur:
                    cur.execute(query, params)
                    return cur.fetchall()
            except (psycopg2.OperationalError, psycopg2.InterfaceError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def migrate(self):
        with self.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            cur.execute(MIGRATION)

    def close(self):
        self.pool.closeall()


class App:
    def __init__(self, db, cache, scrub):
        self.db = db
        self.cache = cache
        self.scrub = scrub


class Handler(BaseHTTPRequestHandler):
    server_version = "notes/1"
    protocol_version = "HTTP/1.1"
    app: App  # set on the class at start

    # -- plumbing ------------------------------------------------------------------------------

    def version_string(self):
        return self.server_version  # no Python version in the Server header

    def parse_request(self):
        self.started = time.monotonic()  # after the request line: idle keep-alive time excluded
        self.status = None
        self.sent = 0
        return super().parse_request()

    def handle_expect_100(self):
        # "Expect: 100-continue" (curl sends it for bodies over 1 KiB): refuse a note that is too
        # big before the client sends it
        if self.command == "POST" and self.route() == "/notes" and self.too_long():
            self.close_connection = True
            self.send_text(413, f"a note is at most {MAX_BODY} bytes")
            return False
        return super().handle_expect_100()

    def too_long(self):
        try:
            return int(self.headers.get("Content-Length", "0")) > MAX_BODY
        except ValueError:
            return False

    def send(self, status, body, content_type="text/plain; charset=utf-8"):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.status = status
        self.sent = len(data)
        self.log_line()

    def send_text(self, status, text):
        self.send(status, text + "\n")

    def send_json(self, status, obj):
        self.send(status, json.dumps(obj, ensure_ascii=False) + "\n", "application/json")

    def log_line(self):
        ms = (time.monotonic() - self.started) * 1000
        log(f'{self.client_address[0]} "{self.command} {self.path}" {self.status} {self.sent} {ms:.1f}ms')

    def log_request(self, code="-", size="-"):
        pass  # one line per request, written by send()

    def log_error(self, format, *args):
        # malformed requests, answered by http.server itself (400, 414, 431 ...)
        log(f"{self.client_address[0]} {format % args}")

    def log_message(self, format, *args):
        log(f"{self.client_address[0]} {format % args}")

    def route(self):
        return urllib.parse.urlsplit(self.path).path

    # -- routes --------------------------------------------------------------------------------

    def do_GET(self):
        path = self.route()
        if path == "/healthz":
            self.healthz()
        elif path == "/notes":
            self.list_notes()
        else:
            self.not_found()

    def do_POST(self):
        if self.route() == "/notes":
            self.create_note()
        else:
            self.not_found()

    def not_found(self):
        self.close_connection = True  # any request body is left unread
        self.send_text(404, "not found")

    do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = not_found

    def healthz(self):
        app = self.app
        try:
            app.db.read("SELECT 1")
        except psycopg2.Error as e:
            return self.send_text(503, f"database: {app.scrub(e)}")
        try:
            app.cache.ping()
        except redis.RedisError as e:
            return self.send_text(503, f"redis: {app.scrub(e)}")
        self.send_text(200, "ok")

    def list_notes(self):
        app = self.app
        try:
            rows = app.db.read("SELECT id, body FROM notes ORDER BY id DESC LIMIT 50")
        except psycopg2.Error as e:
            log(f"database error: {app.scrub(e)}")
            return self.send_text(503, "database unavailable")
        try:
            writes, last = app.cache.mget("notes:writes", "notes:last")
        except redis.RedisError as e:
            log(f"redis error: {app.scrub(e)}")
            return self.send_text(503, "redis unavailable")
        self.send_json(200, {
            "notes": [{"id": id, "body": body} for id, body in rows],
            "writes": int(writes or 0),
            "last": last,
        })

    def create_note(self):
        app = self.app
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            return self.send_text(411, "send the note with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length", ""))
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            return self.send_text(411, "send the note with a Content-Length")
        if length > MAX_BODY:
            self.close_connection = True  # the body is not read
            return self.send_text(413, f"a note is at most {MAX_BODY} bytes")
        try:
            body = self.rfile.read(length).decode("utf-8")
        except UnicodeDecodeError:
            return self.send_text(400, "a note is UTF-8 text")
        if not body.strip():
            return self.send_text(400, "a note is not empty")
        if "\x00" in body:
            return self.send_text(400, "a note has no NUL characters")
        try:
            with app.db.cursor() as cur:
                cur.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id, body", (body,))
                id, body = cur.fetchone()
        except psycopg2.Error as e:
            log(f"database error: {app.scrub(e)}")
            return self.send_text(503, "database unavailable")
        writes = None
        try:
            pipe = app.cache.pipeline()
            pipe.incr("notes:writes")
            pipe.set("notes:last", body)
            writes, _ = pipe.execute()
        except redis.RedisError as e:
            # the note is stored (PostgreSQL is the record); only the counter missed it
            log(f"redis error after storing note {id}: {app.scrub(e)}")
        self.send_json(201, {"id": id, "body": body, "writes": writes})


def main():
    port = int(os.environ.get("PORT") or 8000)
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    scrub = Scrubber(database_url, redis_url)

    if not database_url:
        fail("DATABASE_URL is not set (futuswarm db:create -n <app>)")
    if not redis_url:
        fail("REDIS_URL is not set (futuswarm cache:create -n <app>)")

    at = where(database_url, 5432)
    try:
        db = Database(database_url)
        db.migrate()
    except psycopg2.Error as e:
        fail(f"cannot use PostgreSQL at {at}: {scrub(e)}")
    log(f"PostgreSQL at {at}: connected, table notes ready")

    at = where(redis_url, 6379)
    try:
        cache = redis.Redis.from_url(
            redis_url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=CONNECT_TIMEOUT,
            health_check_interval=30,
        )
        cache.ping()
    except ValueError:
        fail("REDIS_URL is not a redis:// or rediss:// URL")
    except redis.RedisError as e:
        fail(f"cannot use Redis at {at}: {scrub(e)}")
    log(f"Redis at {at}: connected")

    Handler.app = App(db, cache, scrub)
    try:
        server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    except OSError as e:
        fail(f"cannot listen on port {port}: {e}")
    server.daemon_threads = True  # requests still running do not hold up the exit

    stop = threading.Event()

    def on_signal(signum, _frame):
        log(f"{signal.Signals(signum).name}: shutting down")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    serving.start()
    log(f"listening on 0.0.0.0:{port}")
    while not stop.wait(1):
        pass
    server.shutdown()
    server.server_close()
    with contextlib.suppress(Exception):
        cache.close()
    with contextlib.suppress(Exception):
        db.close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
