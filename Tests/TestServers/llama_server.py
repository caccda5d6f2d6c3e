"""llama-cpp-python's OpenAI-compatible server (installed by scripts/test-llm), on a free loopback
port: binds it, says "ready PORT" once the model is loaded and the server answers, and serves until
it is stopped. Usage: llama_server.py MODEL.gguf"""
import socket
import sys
import threading
import time

import uvicorn
from llama_cpp.server.app import create_app
from llama_cpp.server.settings import ModelSettings, ServerSettings

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
# One thread: the test runs beside every other suite on a small machine.
app = create_app(
    server_settings=ServerSettings(host="127.0.0.1", port=port),
    model_settings=[ModelSettings(model=sys.argv[1], model_alias="smollm2", chat_format="chatml-function-calling",
                                  n_ctx=8192, n_threads=1, verbose=False)],
)
server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))


def say_ready():
    while not server.started:
        time.sleep(0.05)
    print(f"ready {port}", flush=True)


threading.Thread(target=say_ready, daemon=True).start()
server.run(sockets=[sock])
