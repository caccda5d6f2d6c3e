"""An E2B test server: the control-plane REST API and envd's process and file APIs, as
shared/e2b-protocol.md describes them, on one loopback listener. Commands really run, in a private
temporary directory per sandbox. Endpoints under /_test/ let tests inject faults and count calls."""
import base64
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../TestServers"))
from test_server import QuietHandler, serve  # noqa: E402

API_KEY = os.environ.get("E2B_TEST_KEY", "e2b_0123456789abcdef")
LOCK = threading.Lock()
SANDBOXES = {}          # id -> {"dir", "token", "metadata", "started", "state": "running" | "paused"}
CALLS = {}              # "METHOD path-kind" -> count
FAULTS = []             # queued {"status", "retry_after", "match"}


def count(kind):
    with LOCK:
        CALLS[kind] = CALLS.get(kind, 0) + 1


def envelope(flags, obj):
    payload = json.dumps(obj).encode()
    return bytes([flags]) + len(payload).to_bytes(4, "big") + payload


class Handler(QuietHandler):
    def body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length else b""

    def send_json(self, status, obj, extra=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_empty(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def fault(self, kind, text=""):
        """The first queued fault for this call: its "match" is in the call's kind, and its optional
        "only" is in the call's text (the request body, or the sandbox id), so parallel tests sharing
        the server do not take each other's faults."""
        with LOCK:
            for f in FAULTS:
                if f["match"] in kind and f.get("only", "") in text:
                    FAULTS.remove(f)
                    return f
        return None

    # control plane ------------------------------------------------------------------------
    def api_auth(self):
        if self.headers.get("X-API-Key") != API_KEY:
            self.send_json(401, {"code": 401, "message": "Invalid API key, please visit https://e2b.dev/docs/api-key for more information."})
            return False
        return True

    def route(self, method):
        path, _, query = self.path.partition("?")
        if path.startswith("/_test/"):
            return self.test_control(method, path, query)
        if self.headers.get("E2b-Sandbox-Id"):
            return self.envd(method, path, query)
        kind = method + " " + ("/sandboxes/{id}" + path[len("/sandboxes/") + 20:] if path.startswith("/sandboxes/") else path)
        count(kind)
        raw = self.body() if method == "POST" else b""
        self.rfile_body = raw
        f = self.fault(kind, raw.decode("utf-8", "replace"))
        if f:
            extra = [("Retry-After", str(f["retry_after"]))] if f.get("retry_after") is not None else []
            return self.send_json(f["status"], {"code": f["status"], "message": "injected"}, extra)
        if not self.api_auth():
            return
        if method == "POST" and path == "/sandboxes":
            req = json.loads(raw or b"{}")
            sid = uuid.uuid4().hex[:20]
            d = tempfile.mkdtemp(prefix="e2b-test-")
            with LOCK:
                SANDBOXES[sid] = {"dir": d, "token": uuid.uuid4().hex, "metadata": req.get("metadata", {}),
                                  "envs": req.get("envVars", {}),
                                  "started": time.time(), "template": req.get("templateID"), "timeout": req.get("timeout", 15),
                                  "state": "running"}
            return self.send_json(201, {"templateID": req.get("templateID"), "sandboxID": sid, "clientID": "6532622b",
                                        "envdVersion": "0.6.13", "envdAccessToken": SANDBOXES[sid]["token"], "domain": None})
        if method == "GET" and path == "/v2/sandboxes":
            from urllib.parse import parse_qs, unquote
            wanted = set(unquote(parse_qs(query).get("state", ["running,paused"])[0]).split(","))
            with LOCK:
                items = [{"sandboxID": k, "templateID": v["template"], "metadata": v["metadata"], "state": v["state"],
                          "cpuCount": 2, "memoryMB": 512} for k, v in SANDBOXES.items() if v["state"] in wanted]
            return self.send_json(200, items)
        if path.startswith("/sandboxes/"):
            sid = path[len("/sandboxes/"):].split("/")[0]
            with LOCK:
                box = SANDBOXES.get(sid)
            if not box:
                return self.send_json(404, {"code": 404, "message": f'Sandbox "{sid}" doesn\'t exist or you don\'t have access to it'})
            if method == "GET":
                return self.send_json(200, {"sandboxID": sid, "templateID": box["template"], "cpuCount": 2, "memoryMB": 512,
                                            "metadata": box["metadata"], "state": box["state"], "envdAccessToken": box["token"],
                                            "domain": None})
            # Pause keeps the files; a paused sandbox runs nothing and envd behind it answers 502.
            if method == "POST" and path.endswith("/pause"):
                with LOCK:
                    if box["state"] == "paused":
                        return self.send_json(409, {"code": 409, "message": f"Sandbox {sid} is already paused"})
                    box["state"] = "paused"
                for proc in list(box.get("procs", {}).values()):
                    try:
                        os.killpg(proc.pid, 9)
                    except OSError:
                        pass
                return self.send_empty(204)
            # Connect (and the deprecated resume): 200 when it was running, 201 when it was resumed.
            if method == "POST" and (path.endswith("/connect") or path.endswith("/resume")):
                req = json.loads(raw or b"{}")
                if not isinstance(req.get("timeout"), int):
                    return self.send_json(400, {"code": 400, "message": "timeout is required"})
                with LOCK:
                    was = box["state"]
                    if path.endswith("/resume") and was == "running":
                        return self.send_json(409, {"code": 409, "message": f"Sandbox {sid} is already running"})
                    box["state"] = "running"
                    box["timeout"] = req["timeout"]
                return self.send_json(200 if was == "running" else 201, {
                    "templateID": box["template"], "sandboxID": sid, "clientID": "6532622b", "envdVersion": "0.6.13",
                    "envdAccessToken": box["token"], "domain": None})
            if method == "DELETE":
                with LOCK:
                    SANDBOXES.pop(sid, None)
                # As a killed sandbox: nothing it started goes on.
                for proc in list(box.get("procs", {}).values()):
                    try:
                        os.killpg(proc.pid, 9)
                    except OSError:
                        pass
                shutil.rmtree(box["dir"], ignore_errors=True)
                return self.send_empty(204)
            if method == "POST" and path.endswith("/timeout"):
                return self.send_empty(204)
        self.send_json(404, {"code": 404, "message": "no such route"})

    # envd ---------------------------------------------------------------------------------
    def envd(self, method, path, query):
        sid = self.headers.get("E2b-Sandbox-Id")
        count("envd " + method + " " + path)
        with LOCK:
            box = SANDBOXES.get(sid)
        if not box or box["state"] != "running":
            return self.send_json(502, {"sandboxId": sid, "message": "The sandbox was not found", "code": 502})
        if path != "/files" and self.headers.get("X-Access-Token") != box["token"]:
            return self.send_json(401, {"code": 401, "message": "unauthorized access, please provide a valid access token or method signing if supported"})
        if path == "/files":
            params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            from urllib.parse import unquote
            rel = unquote(params.get("path", ""))
            # A relative path is from the sandbox's working directory (its folder here); an absolute one
            # is a path in the sandbox, which here is the host's, and must stay in the sandbox's folder.
            full = os.path.normpath(rel if rel.startswith("/") else os.path.join(box["dir"], rel))
            if not (full + "/").startswith(box["dir"] + "/"):
                return self.send_json(400, {"code": 400, "message": "path outside the sandbox"})
            if method == "GET":
                if not os.path.isfile(full):
                    return self.send_json(404, {"code": 404, "message": f"path '{rel}' does not exist"})
                data = open(full, "rb").read()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                return self.wfile.write(data)
            data = self.body()
            os.makedirs(os.path.dirname(full), exist_ok=True)
            open(full, "wb").write(data)
            return self.send_json(200, [{"path": rel, "name": os.path.basename(rel), "type": "file"}])
        if path == "/process.Process/Start":
            if not self.headers.get("Content-Type", "").startswith("application/connect+"):
                return self.send_json(415, {"code": "unknown", "message": "unsupported content type"})
            raw = self.body()
            req = json.loads(raw[5:5 + int.from_bytes(raw[1:5], "big")])
            return self.start(box, req)
        if path == "/process.Process/SendInput":
            # Unary Connect: plain JSON. Input for a process started with "stdin": true.
            req = json.loads(self.body() or b"{}")
            proc = box.get("procs", {}).get(req.get("process", {}).get("pid"))
            if proc is None or proc.stdin is None:
                return self.send_json(404, {"code": "not_found", "message": "process not found"})
            try:
                proc.stdin.write(base64.b64decode(req.get("input", {}).get("stdin", "")))
                proc.stdin.flush()
            except OSError as e:
                return self.send_json(400, {"code": "failed_precondition", "message": str(e)})
            return self.send_json(200, {})
        self.send_json(404, {"code": "not_found", "message": "no such route"})

    def start(self, box, req):
        proc = req.get("process", {})
        timeout_ms = int(self.headers.get("Connect-Timeout-Ms", "0") or "0")
        cwd = box["dir"]
        # As envd: PATH and HOME, then the sandbox's global envs, then the request's.
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": cwd, **box.get("envs", {}), **proc.get("envs", {})}
        p = subprocess.Popen([proc.get("cmd", "/bin/bash")] + proc.get("args", []), cwd=cwd, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.PIPE if req.get("stdin") else subprocess.DEVNULL, start_new_session=True)
        with LOCK:
            box.setdefault("procs", {})[p.pid] = p
        self.send_response(200)
        self.send_header("Content-Type", "application/connect+json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        out_lock = threading.Lock()

        def write(data):
            with out_lock:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

        write(envelope(0, {"event": {"start": {"pid": p.pid}}}))

        def pump(stream, name):
            for chunk in iter(lambda: stream.read1(32768), b""):
                write(envelope(0, {"event": {"data": {name: base64.b64encode(chunk).decode()}}}))

        threads = [threading.Thread(target=pump, args=(p.stdout, "stdout")), threading.Thread(target=pump, args=(p.stderr, "stderr"))]
        for t in threads:
            t.start()
        try:
            p.wait(timeout=timeout_ms / 1000 if timeout_ms else None)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)  # the whole tree, as envd does on the deadline
            p.wait()
            for t in threads:
                t.join()
            write(envelope(2, {"error": {"code": "deadline_exceeded", "message": "context deadline exceeded"}}))
            write(b"")
            return
        for t in threads:
            t.join()
        f = self.fault("Start", self.headers.get("E2b-Sandbox-Id", ""))
        if f and f.get("mode") == "no_end":  # a broken stream: end-of-stream without the end event
            write(envelope(2, {}))
            write(b"")
            return
        end = {"exited": True, "status": f"exit status {p.returncode}"}
        if p.returncode != 0:  # protojson leaves zero values out
            end["exitCode"] = p.returncode
            end["error"] = end["status"]
        write(envelope(0, {"event": {"end": end}}))
        write(envelope(2, {}))
        write(b"")

    # test control -------------------------------------------------------------------------
    def test_control(self, method, path, query):
        if path == "/_test/calls":
            with LOCK:
                return self.send_json(200, CALLS)
        if path == "/_test/fault":
            spec = json.loads(self.body() or b"{}")
            with LOCK:
                FAULTS.append(spec)
            return self.send_empty(204)
        if path.startswith("/_test/vanish/"):
            sid = path.rsplit("/", 1)[1]
            with LOCK:
                SANDBOXES.pop(sid, None)
            return self.send_empty(204)
        if path == "/_test/sandboxes":
            with LOCK:
                return self.send_json(200, {k: v["metadata"] for k, v in SANDBOXES.items()})
        if path == "/_test/states":
            with LOCK:
                return self.send_json(200, {k: v["state"] for k, v in SANDBOXES.items()})
        # E2B's known pitfall: writes lost across a pause or a second resume. Every file in the sandbox goes.
        if path.startswith("/_test/lose-files/"):
            sid = path.rsplit("/", 1)[1]
            with LOCK:
                box = SANDBOXES.get(sid)
            if box:
                for name in os.listdir(box["dir"]):
                    p = os.path.join(box["dir"], name)
                    shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
            return self.send_empty(204 if box else 404)
        self.send_empty(404)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")


if __name__ == "__main__":
    serve(Handler)
