"""The glue the Python relying parties share: the HTTP server the interop driver talks to. The libraries
under test do the protocol; this only routes /login, /callback, ... to them and answers JSON."""

import json
import os
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Redirect(Exception):
    def __init__(self, location):
        super().__init__(location)
        self.location = location


def settings():
    port = int(os.environ["PORT"])
    return {
        "issuer": os.environ["ISSUER"],
        "port": port,
        "base": f"http://localhost:{port}",
        "clients": json.loads(os.environ["CLIENTS"]),
    }


def serve(port, routes):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            route = routes.get(parts.path)
            if route is None:
                self.send_response(404)
                self.end_headers()
                return
            try:
                body = {"ok": True, **(route(query, parts.query) or {})}
            except Redirect as r:
                self.send_response(302)
                self.send_header("Location", r.location)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                return
            except Exception as e:  # reported to the driver, which counts it as a failed check
                traceback.print_exc()
                body = {"ok": False, "error": f"{type(e).__name__}: {e}"}
            data = json.dumps(body, default=str).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    print(f"relying party on http://localhost:{port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
