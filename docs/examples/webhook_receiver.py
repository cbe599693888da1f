#!/usr/bin/env python3
"""A tiny tern-server webhook receiver (docs/webhooks.md), standard library only.

    WEBHOOK_SECRET='a secret of at least 16 bytes' python3 webhook_receiver.py 8080

- checks X-Tern-Signature (HMAC-SHA256 over "<timestamp>.<body>") and refuses
  requests older than 5 minutes (replays);
- before-events: rejects texts containing "spam", masks runs of 6 or more
  digits (phone numbers), allows the rest;
- after-events: prints each one, skips numbers it has already seen (the queue
  delivers at least once), and answers 200.
"""
import hashlib
import hmac
import json
import os
import re
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["WEBHOOK_SECRET"].encode()
seen = {}  # endpoint -> highest number handled


def verified(headers, body):
    ts = headers.get("X-Tern-Timestamp", "")
    sig = headers.get("X-Tern-Signature", "")
    if not ts.isdigit() or abs(time.time() - int(ts)) > 300:
        return False
    mac = hmac.new(SECRET, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v1=" + mac, sig)


def moderate(event):
    text = event["data"].get("text") or ""
    if "spam" in text:
        return {"action": "reject", "reason": "no spam here, please"}
    masked = re.sub(r"\d{6,}", lambda m: "*" * len(m.group()), text)
    if masked != text:
        return {"action": "rewrite", "text": masked}
    return {"action": "allow"}


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verified(self.headers, body):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        answer = b""
        if "X-Tern-Seq" in self.headers:  # an after-event
            endpoint, seq = event["endpoint"], event["seq"]
            if seq > seen.get(endpoint, 0):
                seen[endpoint] = seq
                print(f"#{seq} {event['event']}: {json.dumps(event['data'])}", flush=True)
        else:  # a before-event: the server waits for this answer
            answer = json.dumps(moderate(event)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    HTTPServer(("127.0.0.1", port), Hook).serve_forever()
