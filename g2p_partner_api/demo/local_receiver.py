"""A real HTTP endpoint on this machine for outbound calls in tests and in demo data: records the
requests it receives and answers as told."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, host="127.0.0.1"):
        self.requests = []
        self.responses = []  # (status, body dict, headers, delay seconds), consumed in order, then ``default``
        self.default = (200, {"ok": True}, {}, 0)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                receiver.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body,
                    }
                )
                status, payload, headers, delay = receiver.responses.pop(0) if receiver.responses else receiver.default
                if delay:
                    time.sleep(delay)
                data = json.dumps(payload).encode()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        # host:port, as the outbound allow-list names it
        self.host_port = f"{host}:{self.server.server_address[1]}"
        self.url = f"http://{self.host_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, status=200, payload=None, headers=None, delay=0):
        self.responses.append((status, payload if payload is not None else {}, headers or {}, delay))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
