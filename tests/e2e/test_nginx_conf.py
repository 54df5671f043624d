"""The frontend's nginx.conf, run by a real nginx (Debian's `nginx-light` or `nginx`): it loads, serves the
app with the security headers on every answer (/assets/ too, where nginx would drop inherited ones),
and proxies /api/ sending each header once (the API's own copy is hidden). nginx is installed with apt-get when
it is missing; the test is skipped, saying why, only where apt-get cannot be used (not root)."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest
from autodevos.agents.render import SECURITY_HEADERS, render_devops
from autodevos.domain.spec import AppSpec

from tests.e2e.apt import apt_install

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def nginx() -> str:
    """Debian's nginx-light (nginx as a fallback), installed as the browser tests install chromium."""
    problem = apt_install("nginx-light", lambda: shutil.which("nginx") is not None)
    if problem and apt_install("nginx", lambda: shutil.which("nginx") is not None):
        pytest.skip(problem)
    return shutil.which("nginx")


SPEC = AppSpec(name="shop", title="Shop", auth=True, entities=[{"name": "Product"}])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeApi(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Security-Policy", "default-src 'none'")  # as helmet would
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as res:
        return res.status, res.headers


def test_nginx_conf_serves_the_security_headers(tmp_path: Path, nginx: str) -> None:
    html = tmp_path / "html"
    (html / "assets").mkdir(parents=True)
    (html / "index.html").write_text("<!doctype html><title>Shop</title>\n")
    (html / "assets" / "index-abc.js").write_text("console.log(1);\n")
    api = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    port = free_port()
    server = (render_devops(SPEC)["frontend/nginx.conf"]
              .replace("/usr/share/nginx/html", str(html))
              .replace("http://backend:3000", f"http://127.0.0.1:{api.server_address[1]}")
              .replace("listen 8080;", f"listen 127.0.0.1:{port};"))
    (tmp_path / "server.conf").write_text(server)
    temp = " ".join(f"{d}_temp_path {tmp_path / d};" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = tmp_path / "nginx.conf"
    # as root, nginx's workers would switch to an unprivileged user that cannot read pytest's private tmp_path
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf.write_text(f"{user}pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
                    f"http {{\n  access_log off;\n  {temp}\n  include {tmp_path / 'server.conf'};\n}}\n")
    check = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    subprocess.run(["nginx", "-c", str(conf)], check=True, timeout=30)
    try:
        for path in ("/", "/some/page", "/assets/index-abc.js", "/api/health"):
            status, headers = get(f"http://127.0.0.1:{port}{path}")
            assert status == 200, path
            for name, value in SECURITY_HEADERS.items():
                assert headers.get_all(name) == [value], (path, name, headers.get_all(name))
            assert headers["Server"] == "nginx", "server_tokens off: no version"
        assert "public, immutable" in get(f"http://127.0.0.1:{port}/assets/index-abc.js")[1].get_all("Cache-Control")
    finally:
        subprocess.run(["nginx", "-c", str(conf), "-s", "stop"], timeout=30)
        api.shutdown()
