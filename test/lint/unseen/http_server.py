"""A tiny threaded HTTP server wrapper used by integration tests."""
import http.server
import logging
import socket
import threading

logger = logging.getLogger("testserver")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        logger.debug(fmt, *args)


class TestServer:
    def __init__(self, directory, port=0):
        self.directory = directory
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), QuietHandler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._started = threading.Event()
        self.on_request = self._count_request  # expect: HI008
        self.requests = 0

    def _count_request(self):
        self.requests += 1

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return "http://%s:%d/" % (host, port)

    def start(self):
        self._thread.start()
        self._started.set()
        return self

    def stop(self):
        self._httpd.shutdown()  # ok: HI001
        self._httpd.server_close()
        self._thread.join()  # ok: HI003

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def __del__(self):
        if self._started.is_set():
            self._httpd.shutdown()  # expect: HI001
            self._thread.join(timeout=2)  # expect: HI003


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
