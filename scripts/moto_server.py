"""moto's server for the local cluster, with S3's conditional writes made atomic.

futuswarm's state relies on S3 conditional writes (If-None-Match: *, If-Match: ETAG) being
atomic, as they are on AWS: two writers of the same key, exactly one wins. moto's threaded server
checks the condition and stores the object in two steps, so two concurrent writers can both pass
the check. This launcher runs moto's own WSGI application and request handler unchanged, and lets
one write request (PUT, POST, DELETE) in at a time; reads stay concurrent. Usage is the same as
moto_server's: -H HOST -p PORT.
"""

import argparse
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

WRITES = {"PUT", "POST", "DELETE", "PATCH"}


class OneWriterAtATime:
    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in WRITES:
            return self.app(environ, start_response)
        with self.lock:
            # moto answers with a complete body; reading it inside the lock keeps the
            # condition check and the store in one step.
            return list(self.app(environ, start_response))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        args.host,
        args.port,
        OneWriterAtATime(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
