"""A small HTTP/1.1 server for the HTTP client's tests: echo, chunked streaming, slowness."""
import http.server
import os
import threading
import json
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../TestServers"))
from test_server import QuietHandler, serve  # noqa: E402

BARRIER = threading.Condition()
ARRIVED = {}
RELEASES = {}
RELEASES_LOCK = threading.Lock()


def release_event(name):
    with RELEASES_LOCK:
        return RELEASES.setdefault(name, threading.Event())


class Handler(QuietHandler):
    def do_GET(self):
        if self.path == "/hello":
            self.reply(200, b"hello", "text/plain", [("X-Test", "yes")])
        elif self.path.startswith("/stream/"):
            # /stream/NAME sends part 0, then holds the rest until POST /release/NAME (60 s at most).
            name = self.path.split("/")[2]
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(5):
                if i == 1:
                    release_event(name).wait(60)
                chunk = f"part {i}\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/barrier/"):
            # /barrier/NAME/N answers once N requests to it are in flight together (504 after 25 s).
            _, _, name, n = self.path.split("/")
            with BARRIER:
                ARRIVED[name] = ARRIVED.get(name, 0) + 1
                BARRIER.notify_all()
                met = BARRIER.wait_for(lambda: ARRIVED[name] >= int(n), timeout=25)
            self.reply(200 if met else 504, b"met" if met else b"not met", "text/plain")
        elif self.path == "/slow":
            time.sleep(20)  # far longer than any bound a test puts on giving up
            self.reply(200, b"late", "text/plain")
        else:
            self.reply(404, b'{"code":404,"message":"no such path"}')

    def do_POST(self):
        if self.path.startswith("/release/"):
            release_event(self.path.split("/")[2]).set()
            self.reply(204, b"")
            return
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        out = json.dumps({"method": "POST", "body": body.decode("latin-1"), "length": length,
                          "key": self.headers.get("X-Api-Key")}).encode()
        self.reply(201, out)

    do_PUT = do_POST

    def do_DELETE(self):
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    serve(Handler)
