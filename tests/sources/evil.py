"""A hostile HTTP server for the source tests: in-process, on loopback, bounded in time.

Each route is a function that writes a whole answer on the raw handler, so a test can send
what no well-behaved server would: endless bodies, trickled bytes, wrong types, redirects to
other hosts or schemes.  Every request is recorded (method, path, headers) so a test can check
what the client sent, e.g. that credentials never reached a host they were not meant for.

Writers stop when the client hangs up, and every endless body is capped (:data:`MAX_SENT`)
and time-limited, so a test against unfixed code still ends.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_SENT = 64 << 20  # an "endless" body ends here, so unfixed code fails instead of hanging
MAX_SECONDS = 20.0

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class EvilServer:
    """``routes`` maps a path (without the query) to a writer; unknown paths get a 404."""

    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    tls: tuple[Path, Path] | None = None  # (cert, key)

    @property
    def host(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def start(self) -> EvilServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _any(self) -> None:
                path = self.path.split("?", 1)[0]
                owner.seen.append(Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(min(length, 1 << 20))
                route = owner.routes.get(path)
                try:
                    if route is None:
                        send(self, 404, b'{"errors":[{"code":"NOT_FOUND","message":"no route"}]}')
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
                    self.close_connection = True

            do_GET = do_POST = do_HEAD = _any

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client hanging up mid-answer is what these tests provoke

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if self.tls:
            import ssl

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def requests_to(self, path_prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(path_prefix)]


# ----------------------------------------------------------------------------- writers


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    for k, v in hdrs.items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


def endless(
    h: BaseHTTPRequestHandler,
    status: int = 200,
    prefix: bytes = b"",
    fill: bytes = b"\0",
    headers: dict[str, str] | None = None,
    declared: int | None = None,
) -> None:
    """A body that only ends at :data:`MAX_SENT` (or when the client hangs up)."""
    h.send_response(status)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(declared if declared is not None else len(prefix) + MAX_SENT))
    h.end_headers()
    h.wfile.write(prefix)
    block, sent, start = fill * ((1 << 16) // len(fill)), 0, time.monotonic()
    while sent < MAX_SENT and time.monotonic() - start < MAX_SECONDS:
        h.wfile.write(block)
        sent += len(block)
    h.close_connection = True


def trickle(
    h: BaseHTTPRequestHandler,
    body: bytes,
    every: float,
    status: int = 200,
    content_type: str = "application/vnd.oci.image.manifest.v1+json",
) -> None:
    """``body`` one byte every ``every`` seconds (at most :data:`MAX_SECONDS` in all)."""
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    start = time.monotonic()
    for i in range(len(body)):
        if time.monotonic() - start > MAX_SECONDS:
            break
        h.wfile.write(body[i : i + 1])
        h.wfile.flush()
        time.sleep(every)
    h.close_connection = True


def stall(h: BaseHTTPRequestHandler, seconds: float = MAX_SECONDS) -> None:
    """Headers, then silence."""
    h.send_response(200)
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.flush()
    time.sleep(seconds)
    h.close_connection = True


def chunked(h: BaseHTTPRequestHandler, parts: list[bytes], status: int = 200) -> None:
    """A chunked body (what an engine's progress stream is)."""
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    for p in parts:
        if p:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
    h.wfile.write(b"0\r\n\r\n")


# ----------------------------------------------------------------------------- an image


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class TinyImage:
    """One uncompressed layer holding one file, its config and manifest, all as bytes."""

    layer: bytes
    config: bytes
    manifest: bytes

    @property
    def layer_digest(self) -> str:
        return digest(self.layer)

    @property
    def manifest_doc(self) -> dict:
        return json.loads(self.manifest)


def tiny_image(file_size: int = 9000, compress: bool = False) -> TinyImage:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("data.bin")
        info.size = file_size
        info.mtime = 0
        tf.addfile(info, io.BytesIO(b"x" * file_size))
    tar = buf.getvalue()
    layer = gzip.compress(tar, mtime=0) if compress else tar
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [digest(tar)]},
            "history": [{"created_by": "COPY data.bin /"}],
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": digest(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if compress else ""),
                    "digest": digest(layer),
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    return TinyImage(layer, config, manifest)


def serve_image(server: EvilServer, repo: str, tag: str, image: TinyImage, manifest: bytes | None = None) -> None:
    """Routes for ``/v2/``, the manifest (by tag and digest), the config and the layer."""
    body = image.manifest if manifest is None else manifest
    mt = "application/vnd.oci.image.manifest.v1+json"
    server.routes["/v2/"] = lambda h: send(h, 200, b"{}")
    for ref in (tag, digest(body)):
        server.routes[f"/v2/{repo}/manifests/{ref}"] = lambda h, b=body: send(h, 200, b, {"Content-Type": mt})
    for blob in (image.config, image.layer):
        server.routes[f"/v2/{repo}/blobs/{digest(blob)}"] = lambda h, b=blob: send(
            h, 200, b, {"Content-Type": "application/octet-stream"}
        )


def self_signed(d: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (openssl CLI), for an https registry the client trusts
    through ``SSL_CERT_FILE``."""
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def trickle_headers(h: BaseHTTPRequestHandler, every: float) -> None:
    """A status line, then one header byte every ``every`` seconds (a read timeout resets on
    each byte, so only an overall deadline ends this)."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    h.wfile.flush()
    start = time.monotonic()
    while time.monotonic() - start < MAX_SECONDS:
        h.wfile.write(b"z")
        h.wfile.flush()
        time.sleep(every)
    h.close_connection = True
