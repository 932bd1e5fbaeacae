"""A webhook receiver for tapid's tests: verifies every delivery with the `standardwebhooks` package (the
specification's reference library, not tapid's code) and behaves as told: answer, fail, time out or hang.

    python webhook_receiver.py PORT LOG

POST /control {"mode": "ok"|"fail"|"timeout"|"hang", "secret": "whsec_…", "delay": seconds}
POST anything else: a delivery. Each attempt is appended to LOG as one JSON line:
    {"mode", "id", "type", "seq", "name", "verified", "status"}
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

PORT = int(sys.argv[1])
LOG = sys.argv[2]
state = {"mode": "ok", "secret": None, "delay": 5.0}
lock = threading.Lock()


def record(entry):
    with lock, open(LOG, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")
        out.flush()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/control":
            state.update(json.loads(body))
            self.send_response(204)
            self.end_headers()
            return
        mode = state["mode"]
        entry = {"mode": mode, "id": self.headers.get("webhook-id")}
        try:
            payload = Webhook(state["secret"]).verify(body, dict(self.headers.items()))
            entry.update(
                verified=True,
                type=payload["type"],
                seq=payload["data"]["seq"],
                name=(payload["data"].get("target") or {}).get("name"),
            )
        except (WebhookVerificationError, TypeError, KeyError, ValueError) as e:
            entry.update(verified=False, error=str(e))
        if mode == "fail":
            status = 500
        elif mode in ("timeout", "hang"):
            status = 200
            entry["status"] = "slow"
            record(entry)
            time.sleep(state["delay"] if mode == "timeout" else 120)
            self.respond(status)
            return
        else:
            status = 204 if entry["verified"] else 400
        entry["status"] = status
        record(entry)
        self.respond(status)

    def respond(self, status):
        try:
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
