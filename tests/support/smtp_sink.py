"""A real SMTP server for tapid's mail tests: aiosmtpd on 127.0.0.1:PORT that accepts every message
(optionally only after AUTH with USER and PASSWORD) and writes each as NNNN.json into OUT_DIR:
the envelope, who authenticated, the raw message and its parsed headers and parts. It prints
`ready` once listening and stops when its standard input closes.

    smtp_sink.py PORT OUT_DIR [USER PASSWORD]

With SINK_TLS=starttls (STARTTLS offered and required before MAIL) or SINK_TLS=implicit (TLS from the
first byte), it presents the certificate SINK_CERT with key SINK_KEY (PEM files).
"""

import email
import email.policy
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def login_of(session):
    """Who authenticated in this session (the AUTH login), if anyone."""
    auth = getattr(session, "auth_data", None)
    return auth.login.decode() if isinstance(auth, LoginPassword) else None


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            parts.append({"type": part.get_content_type(), "content": part.get_content()})
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_login": login_of(session),
            "headers": {k: str(v) for k, v in message.items()},
            "content_type": message.get_content_type(),
            "parts": parts,
            "raw": raw.decode("utf-8", "replace"),
        }
        self.count += 1
        path = os.path.join(self.out, "%04d.json" % self.count)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    user, password = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    kwargs = {}
    if user:
        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    tls = os.environ.get("SINK_TLS")
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.environ["SINK_CERT"], os.environ["SINK_KEY"])
        if tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif tls == "implicit":
            kwargs.update(ssl_context=context)
        else:
            sys.exit("SINK_TLS is starttls or implicit")
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
