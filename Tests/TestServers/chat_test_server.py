"""A Chat Completions server for the model client's tests, speaking the protocol as OpenAI
documents it: whole `chat.completion` replies, or `chat.completion.chunk` events over Server-Sent
Events (fragments split anywhere, a usage chunk, `data: [DONE]`), error bodies, 429 with
Retry-After, and streams cut in the middle. Each test scripts its own session:
POST /<session>/_script with a list of answers; POST /<session>/v1/chat/completions takes the next;
GET /<session>/_requests lists what was asked (headers and body). An answer with "hold_after": k
stops its stream after k pieces until POST /<session>/_release, so a test can look at a half-written
turn without racing the clock.

A hostile server, on request: "echo_auth" quotes the request's Authorization header back ("json",
"text", "proxy" for a proxy's 502 page, "stream" for an error event inside a 200 stream); "flood"
streams that many bytes of text and never [DONE]; "flood_args" sends one call with that many bytes
of arguments; "calls" makes that many tool calls; "drip" sends a byte of a stream every that many
seconds, without end; "stall" sends a stream's headers and then nothing. Each stops when the client
goes away, or after HOLD_LIMIT seconds."""
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "."))
from test_server import QuietHandler, serve  # noqa: E402

LOCK = threading.Lock()
SCRIPTS = {}
REQUESTS = {}
RELEASES = {}
# A held stream goes on by itself after this long, so a test that failed early hangs nothing.
HOLD_LIMIT = 60


def release_event(session):
    with LOCK:
        return RELEASES.setdefault(session, threading.Event())


def completion(answer):
    message = {"role": "assistant", "content": answer.get("text")}
    calls = answer.get("tool_calls")
    if calls:
        message["tool_calls"] = [{"id": c["id"], "type": "function",
                                  "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": "test-model",
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
            "usage": {"prompt_tokens": answer.get("input_tokens", 10), "completion_tokens": answer.get("output_tokens", 5),
                      "total_tokens": answer.get("input_tokens", 10) + answer.get("output_tokens", 5)}}


def chunks(answer):
    """The answer as chat.completion.chunk events: text a few characters at a time, each call's id
    and name in its first fragment only, its arguments in pieces, then usage, then [DONE]."""
    base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()), "model": "test-model"}

    def event(delta, finish=None, usage=None):
        e = dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": finish}])
        if usage is not None:
            e = dict(base, choices=[], usage=usage)
        return "data: " + json.dumps(e, ensure_ascii=False) + "\n\n"

    out = [event({"role": "assistant", "content": ""})]
    text = answer.get("text") or ""
    for i in range(0, len(text), 3):
        out.append(event({"content": text[i:i + 3]}))
    for index, c in enumerate(answer.get("tool_calls") or []):
        if answer.get("whole_calls"):
            out.append(event({"tool_calls": [{"index": index, "id": c["id"], "type": "function",
                                               "function": {"name": c["name"], "arguments": c["arguments"]}}]}))
            continue
        out.append(event({"tool_calls": [{"index": index, "id": c["id"], "type": "function",
                                           "function": {"name": c["name"], "arguments": ""}}]}))
        args = c["arguments"]
        for i in range(0, len(args), 4):
            out.append(event({"tool_calls": [{"index": index, "function": {"arguments": args[i:i + 4]}}]}))
    out.append(event({}, finish="tool_calls" if answer.get("tool_calls") else "stop"))
    out.append(event(None, usage={"prompt_tokens": answer.get("input_tokens", 10),
                                  "completion_tokens": answer.get("output_tokens", 5),
                                  "total_tokens": answer.get("input_tokens", 10) + answer.get("output_tokens", 5)}))
    out.append("data: [DONE]\n\n")
    return "".join(out).encode()


class Handler(QuietHandler):
    def session(self):
        parts = self.path.split("/", 2)
        return parts[1] if len(parts) > 2 else "", "/" + (parts[2] if len(parts) > 2 else "")

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def hostile(self, answer, request):
        """Answers as a broken or compromised server would; False when the answer is an ordinary one."""
        auth = self.headers.get("Authorization", "")
        kind = answer.get("echo_auth")
        if kind == "json":
            self.reply(answer.get("status", 400), json.dumps({"error": {"message": "bad request: header " + auth
                                                                         + " \x1b]52;c;cGF3bmVk\x07 \x1b[2J is not allowed"}}).encode())
        elif kind == "text":
            self.reply(answer.get("status", 500), ("Internal error while handling Authorization: " + auth).encode(), ctype="text/plain")
        elif kind == "proxy":
            page = "<html><body><h1>502 Bad Gateway</h1><pre>upstream said no to Authorization: %s</pre></body></html>" % auth
            self.reply(502, page.encode(), ctype="text/html")
        elif kind == "stream":
            self.start_stream()
            self.chunk(b'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n')
            self.chunk(("data: " + json.dumps({"error": {"message": "upstream rejected " + auth}}) + "\n\n").encode())
            self.wfile.write(b"0\r\n\r\n")
        elif "flood" in answer:
            self.start_stream()
            piece = ("data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": "x" * 8000}}]}) + "\n\n").encode()
            sent, deadline = 0, time.time() + HOLD_LIMIT
            try:
                while sent < answer["flood"] and time.time() < deadline:
                    self.chunk(piece)
                    sent += 8000
            except OSError:
                pass
            self.close_connection = True
        elif "flood_args" in answer or "calls" in answer:
            size, count = answer.get("flood_args", 20), answer.get("calls", 1)
            args = json.dumps({"command": "echo " + "y" * max(0, size - 20)})
            calls = [{"id": "call_%d" % i, "name": "shell", "arguments": args} for i in range(count)]
            if request.get("stream"):
                self.start_stream()
                data = chunks(dict(answer, tool_calls=calls, whole_calls=True))
                try:
                    for i in range(0, len(data), 65536):
                        self.chunk(data[i:i + 65536])
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass
                self.close_connection = True
            else:
                self.reply(200, json.dumps(completion(dict(answer, tool_calls=calls))).encode())
        elif "drip" in answer:
            self.start_stream()
            deadline = time.time() + HOLD_LIMIT
            try:
                while time.time() < deadline:
                    self.chunk(b":")
                    time.sleep(answer["drip"])
            except OSError:
                pass
            self.close_connection = True
        elif answer.get("stall"):
            self.start_stream()
            release_event(self.session()[0]).wait(HOLD_LIMIT)
            self.close_connection = True
        else:
            return False
        return True

    def do_GET(self):
        session, rest = self.session()
        if rest == "/_requests":
            with LOCK:
                self.reply(200, json.dumps(REQUESTS.get(session, [])).encode())
        else:
            self.reply(404, b'{"error":{"message":"no such route"}}')

    def do_POST(self):
        session, rest = self.session()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if rest == "/_script":
            with LOCK:
                SCRIPTS[session] = json.loads(body)
                REQUESTS[session] = []
            self.reply(204, b"")
            return
        if rest == "/_release":
            release_event(session).set()
            self.reply(204, b"")
            return
        if rest != "/v1/chat/completions":
            self.reply(404, b'{"error":{"message":"no such route"}}')
            return
        request = json.loads(body)
        with LOCK:
            REQUESTS.setdefault(session, []).append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": request})
            script = SCRIPTS.get(session, [])
            answer = script.pop(0) if script else {"status": 500, "error": "the test scripted no more answers"}
        if answer.get("delay"):
            time.sleep(answer["delay"])
        if self.hostile(answer, request):
            return
        status = answer.get("status", 200)
        if status != 200:
            extra = [("Retry-After", str(answer["retry_after"]))] if "retry_after" in answer else []
            error = {"error": {"message": answer.get("error", "error"), "type": "invalid_request_error",
                               "code": answer.get("code")}}
            self.reply(status, json.dumps(error).encode(), extra=extra)
            return
        if answer.get("refuse_stream") == "empty" and request.get("stream"):
            # As llama-cpp-python does: a stream's headers, then an end before any event.
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"0\r\n\r\n")
            return
        if answer.get("refuse_stream") and request.get("stream"):
            self.reply(400, json.dumps({"error": {"message": "Automatic streaming tool choice is not supported"}}).encode())
            return
        if not request.get("stream"):
            self.reply(200, json.dumps(completion(answer)).encode())
            return
        data = chunks(answer)
        if answer.get("cut"):
            data = data[:len(data) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        split = answer.get("split", 7)
        for n, i in enumerate(range(0, len(data), split)):
            if n == answer.get("hold_after"):
                release_event(session).wait(HOLD_LIMIT)
            piece = data[i:i + split]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
            if answer.get("pause"):
                time.sleep(answer["pause"])
        if answer.get("cut"):
            # The connection drops mid-stream: no last chunk, no [DONE].
            self.connection.shutdown(2)
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")


if __name__ == "__main__":
    serve(Handler)
