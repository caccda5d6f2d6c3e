"""What the tests' Python servers share: a quiet HTTP/1.1 handler with a reply helper, and serving
on a free loopback port that is announced as "ready PORT" and ends with the test process."""
import http.server
import io
import os
import sys
import threading
import time


class QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # Clients keep connections alive (curl reuses them), and a handler that answers without reading
    # a request's body would leave it to be read as the next request: each body is read up front,
    # and handlers read it from memory.
    def setup(self):
        super().setup()
        self.connection_rfile = self.rfile

    def handle_one_request(self):
        self.rfile = self.connection_rfile
        super().handle_one_request()

    def parse_request(self):
        if not super().parse_request():
            return False
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile = io.BytesIO(self.connection_rfile.read(length) if length > 0 else b"")
        return True

    def reply(self, status, body, ctype="application/json", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def exit_with_parent(parent):
    # The tests start this server; when they end, so does it.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def serve(handler, backlog=128):
    """Serves `handler` on the port in argv[1] (0: the kernel picks one; the tests read it)."""
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # A backlog for the tests that open many connections at once (the default is 5).
    http.server.ThreadingHTTPServer.request_queue_size = backlog
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler)
    server.daemon_threads = True
    print("ready", server.server_address[1], flush=True)
    server.serve_forever()
