"""nginx (Debian's package) serving a folder on 127.0.0.1, for the HTTP tier.

`serve_with_nginx(folder, workdir)` starts nginx in the foreground (`daemon off`, one
process, `master_process off`, so it runs as the user running the tests and reads what
they can read) with its own configuration, pid file and logs in `workdir`, on a free
port; it yields the base URL and stops nginx afterwards. The access log
(`workdir/access.log`) holds one `STATUS BYTES PATH` line per request, so a test can
count what was downloaded (`requests`). `nginx_binary()` is None where nginx is not
installed (scripts/test.sh installs it where apt-get and root are available).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
    types {{ application/json json; application/octet-stream conda bz2; }}
    default_type application/octet-stream;
    log_format counted '$status $body_bytes_sent $uri';
    access_log {work}/access.log counted;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    sendfile on;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        etag on;
    }}
}}
"""


def nginx_binary() -> str | None:
    """The nginx executable (Debian puts it in /usr/sbin, often not on PATH), or None."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_with_nginx(folder: Path, workdir: Path) -> Iterator[str]:
    """Serve `folder` with nginx on 127.0.0.1; yields `http://127.0.0.1:PORT`."""
    binary = nginx_binary()
    assert binary is not None, "nginx is not installed"
    (workdir / "tmp").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config = workdir / "nginx.conf"
    config.write_text(CONFIG.format(work=workdir, port=port, root=folder))
    process = subprocess.Popen(
        [binary, "-c", str(config), "-p", str(workdir), "-e", str(workdir / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it logs to workdir/error.log
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                error = (
                    (workdir / "error.log").read_text() if (workdir / "error.log").exists() else ""
                )
                raise RuntimeError(f"nginx did not start: {error}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def requests(workdir: Path) -> list[tuple[int, int, str]]:
    """(status, body bytes, path) of every request nginx has logged so far."""
    log = workdir / "access.log"
    if not log.exists():
        return []
    out = []
    for line in log.read_text().splitlines():
        status, size, path = line.split(" ", 2)
        out.append((int(status), int(size), path))
    return out


__all__ = ["nginx_binary", "requests", "serve_with_nginx"]
