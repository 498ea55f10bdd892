"""A WebSub subscriber, run as its own process by test_websub: it subscribes to a topic at
a hub, answers the hub's verification of intent, and writes every request it gets (one JSON
object a line) to a log the test reads. Standard library only.

    python websub_subscriber.py --port 8123 --hub URL --topic URL --secret S --log FILE
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hub", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--secret", default="")
    parser.add_argument("--log", required=True)
    parser.add_argument("--refuse", action="store_true", help="never confirm a verification")
    args = parser.parse_args()
    lock = threading.Lock()

    def record(entry: dict[str, object]) -> None:
        with lock, open(args.log, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # verification of intent
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            challenge = query.get("hub.challenge", [""])[0]
            record(
                {
                    "event": "verify",
                    "mode": query.get("hub.mode", [""])[0],
                    "topic": query.get("hub.topic", [""])[0],
                    "lease_seconds": query.get("hub.lease_seconds", [""])[0],
                }
            )
            answer = b"not this one" if args.refuse else challenge.encode()
            self.send_response(404 if args.refuse else 200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(answer)

        def do_POST(self) -> None:  # content distribution
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            expected = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
            record(
                {
                    "event": "content",
                    "content_type": self.headers.get("Content-Type", ""),
                    "link": self.headers.get("Link", ""),
                    "signature_ok": hmac.compare_digest(
                        self.headers.get("X-Hub-Signature", ""), expected
                    ),
                    "body": body.decode("utf-8"),
                }
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    form = {
        "hub.mode": "subscribe",
        "hub.topic": args.topic,
        "hub.callback": f"http://127.0.0.1:{args.port}/callback",
        "hub.lease_seconds": "3600",
    }
    if args.secret:
        form["hub.secret"] = args.secret
    request = urllib.request.Request(
        args.hub,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        record({"event": "subscribed", "status": response.status})
    threading.Event().wait()


if __name__ == "__main__":
    main()
