"""A real HTTP peer for the notice channels' tests: a ``ThreadingHTTPServer`` on 127.0.0.1 (an
ephemeral port) in a thread, answering POSTs from a script and recording each request. Used by
tests/accounts/test_channels.py and the browser journey tests/browser/test_notice_channels.py.
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# What a robot answers when it posted the message.
OK = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict


class Receiver:
    """A real HTTP server in a thread. ``script`` holds the first answers, (status, JSON);
    every request after them gets ``OK``. ``delay`` holds each answer back that long."""

    def __init__(self, script=(), *, delay: float = 0.0):
        self.script = list(script)
        self.delay = delay
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                with receiver.lock:
                    receiver.received.append(
                        Received(
                            path=parts.path,
                            query=parse_qs(parts.query),
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=json.loads(raw.decode("utf-8")),
                        )
                    )
                    status, answer = receiver.script.pop(0) if receiver.script else OK
                time.sleep(receiver.delay)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wecom_url(self, key: str = "k1") -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str = "t1") -> str:
        return f"{self.base}/robot/send?access_token={token}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
