"""A small OCI distribution (registry v2) client: references, auth, manifests, blob streams.

No daemon is involved: ``registry://HOST/REPO:TAG`` (or ``@sha256:…``) is fetched over HTTP(S)
the way ``docker pull`` does, but blobs are streamed into the analyzer instead of unpacked.

Every failure a user can meet is one line naming the registry and what to do: unreachable
network, TLS failure (with the ``--insecure`` hint for a plain-http registry), 401 / 403
(credentials), 404 (image or repository not found), other statuses with the registry's own
error message.  Auth follows the ``WWW-Authenticate`` challenge (see :mod:`.auth`).

Nothing a registry sends is trusted to be small or quick: every request has a connect / read
timeout and an overall deadline scaled to the size its descriptor declares
(``LAYERSCOPE_REGISTRY_TIMEOUT``, ``LAYERSCOPE_REGISTRY_DEADLINE``), blobs are read to at most
their declared size + 1 byte, manifests to 4 MiB, error documents and token answers to 1 MiB.
Redirects are followed here, not by urllib3: never from https to http, and ``Authorization``
never goes to another host.  A token realm only gets credentials over http with ``--insecure``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3

from ..errors import ConfigError, LayerscopeError
from . import auth

log = logging.getLogger("layerscope.sources.registry")

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
MAX_MANIFEST = 4 << 20  # the distribution spec's recommended bound (containerd uses the same)
MAX_SMALL_BODY = 1 << 20  # error documents and token answers: a few hundred bytes in practice
MAX_SERVER_TEXT = 200  # characters of a registry's own message quoted in an error
MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = 30.0  # seconds to connect, and between two received bytes
DEFAULT_DEADLINE = 300.0  # seconds for a whole request of unknown or small size ...
MIN_RATE = 128 << 10  # ... plus this long per byte a descriptor declares (128 KiB/s worst case)
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_REPO_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST_RE = re.compile(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")


@dataclass(slots=True, frozen=True)
class Reference:
    """``host/repo:tag`` or ``host/repo@digest`` (a digest wins over a tag for fetching)."""

    host: str
    repo: str
    tag: str | None
    digest: str | None

    @property
    def ref(self) -> str:
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        s = f"{self.host}/{self.repo}"
        if self.tag:
            s += f":{self.tag}"
        if self.digest:
            s += f"@{self.digest}"
        return s


def parse_reference(text: str) -> Reference:
    """Parse like the docker CLI: a first component with ``.`` or ``:`` (or ``localhost``) is
    the registry host, otherwise Docker Hub (``library/`` for official images)."""
    s = text.strip()
    if not s:
        raise LayerscopeError("No image argument given")
    digest = None
    if "@" in s:
        s, _, digest = s.partition("@")
        if not _DIGEST_RE.match(digest):
            raise LayerscopeError(f"invalid image reference {text!r}: bad digest {digest!r}")
    tag = None
    last = s.rsplit("/", 1)[-1]
    if ":" in last:
        s, _, tag = s.rpartition(":")
        if not _TAG_RE.match(tag):
            raise LayerscopeError(f"invalid image reference {text!r}: bad tag {tag!r}")
    first, _, rest = s.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        host, repo = first, rest
    else:
        host, repo = DOCKER_HUB, s
        if "/" not in repo:
            repo = f"library/{repo}"
    if not _REPO_RE.match(repo):
        raise LayerscopeError(f"invalid image reference {text!r}: bad repository name {repo!r}")
    if tag is None and digest is None:
        tag = "latest"
    return Reference(host, repo, tag, digest)


def _reason(e: BaseException) -> str:
    text = str(e)
    for pat in (
        r"certificate verify failed: ([^(')\"]+)",
        r"\[SSL: ([A-Z_]+)\]",
        r"\[Errno -?\d+\] ([^'\")]+)",
        r"(Name or service not known|Temporary failure in name resolution|Connection refused)",
    ):
        m = re.search(pat, text)
        if m:
            return m.group(1).strip().rstrip(".").lower().replace("_", " ")
    return " ".join(text.split())[:160]


@dataclass(slots=True, frozen=True)
class Timeouts:
    """How long a registry may take: per socket operation, and per whole request.

    A per-read timeout alone lets a server trickle one byte every 29 s forever; the deadline
    bounds the request as a whole, scaled to the size a descriptor declares so a large layer on
    a slow link still gets through.  ``LAYERSCOPE_REGISTRY_TIMEOUT`` and
    ``LAYERSCOPE_REGISTRY_DEADLINE`` (seconds) override the defaults."""

    io: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE

    @classmethod
    def from_env(cls) -> Timeouts:
        return cls(
            _env_seconds("LAYERSCOPE_REGISTRY_TIMEOUT", DEFAULT_TIMEOUT),
            _env_seconds("LAYERSCOPE_REGISTRY_DEADLINE", DEFAULT_DEADLINE),
        )

    def budget(self, size: int | None) -> float:
        """Seconds a request for a body of ``size`` declared bytes may take in all."""
        return self.deadline + (size or 0) / MIN_RATE


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < 1e7:
        raise ConfigError(f"invalid {name} {raw!r} (want a positive number of seconds)")
    return value


def server_text(text: str, limit: int = MAX_SERVER_TEXT) -> str:
    """A server-supplied string fit to quote in a one-line error: printable characters only
    (no ESC / OSC sequences from a hostile registry), whitespace collapsed, length capped."""
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    clean = " ".join(clean.split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def url_for_message(url: str) -> str:
    """``scheme://host/path`` of a URL, without the query (a presigned URL's signature)."""
    u = urlsplit(url)
    return server_text(f"{u.scheme}://{u.netloc}{u.path}")


class Response:
    """The few things this client needs of an HTTP answer, over urllib3 (which is what the
    docker SDK already brings in; ``requests`` on top would cost ~0.2 s of import per run).

    Every body is read against a deadline and a byte limit: nothing a registry sends can make
    a run wait or grow without bound."""

    def __init__(
        self, raw: urllib3.BaseHTTPResponse, host: str, deadline: float, budget: float, io: float = DEFAULT_TIMEOUT
    ) -> None:
        self._raw, self._host = raw, host
        self._deadline, self._budget, self._io = deadline, budget, io
        self._broken = False  # a read failed: the connection is not reusable
        self.status_code = raw.status
        self.headers = raw.headers

    def _check_deadline(self) -> None:
        if time.monotonic() > self._deadline:
            raise LayerscopeError(
                f"registry {self._host} did not finish sending in {_seconds(self._budget)} s "
                f"(LAYERSCOPE_REGISTRY_DEADLINE)"
            )

    def iter_content(self, size: int, limit: int | None = None, too_big: str = "") -> Iterator[bytes]:
        """Chunks of the body as they arrive; at most ``limit + 1`` bytes are ever read, and one
        more than ``limit`` raises ``too_big``."""
        total = 0
        try:
            while True:
                if time.monotonic() > self._deadline:
                    self._broken = True
                    self._check_deadline()
                want = size if limit is None else min(size, limit + 1 - total)
                chunk = self._raw.read1(want)
                if not chunk:
                    return
                total += len(chunk)
                if limit is not None and total > limit:
                    self._broken = True
                    raise LayerscopeError(too_big or f"response of registry {self._host} is larger than {limit} bytes")
                yield chunk
        except urllib3.exceptions.TimeoutError:
            self._broken = True
            raise LayerscopeError(
                f"registry {self._host} stopped sending (no data for {_seconds(self._io)} s)"
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as e:
            self._broken = True
            raise LayerscopeError(f"transfer from registry {self._host} failed: {_reason(e)}") from None

    def read_bounded(self, limit: int, too_big: str) -> bytes:
        """The whole body, refused (before reading, when Content-Length says so) over ``limit``."""
        try:
            declared = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise LayerscopeError(too_big)
        return b"".join(self.iter_content(1 << 16, limit, too_big))

    def json(self, limit: int = MAX_SMALL_BODY, what: str = "response") -> Any:
        body = self.read_bounded(limit, f"registry {self._host}: {what} larger than {_size(limit)}, refusing it")
        return json.loads(body)

    def close(self) -> None:
        # a small unread body (an error document) is drained so the connection can be reused,
        # under the same deadline as any read; anything else, or a body that already failed,
        # closes its connection instead of being waited for
        try:
            length = int(self.headers.get("Content-Length") or 1 << 30)
            if self._broken:
                self._raw.close()
            elif getattr(self._raw, "length_remaining", None) == 0:
                pass  # read to the end: the connection is clean
            elif length <= 1 << 16:
                for _ in self.iter_content(1 << 16, 1 << 16):
                    pass
            else:
                self._raw.close()
        except (ValueError, LayerscopeError, urllib3.exceptions.HTTPError, OSError):
            self._raw.close()
        self._raw.release_conn()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _seconds(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n} bytes"


def _registry_message(r: Response) -> str:
    """The registry's own error text (code and message of its first error), capped; a body
    over :data:`MAX_SMALL_BODY` is not read and the message says so."""
    try:
        doc = r.json(MAX_SMALL_BODY, "error body")
    except LayerscopeError as e:
        return "error body not read: larger than 1 MiB" if "larger than" in str(e) else ""
    except (ValueError, UnicodeDecodeError):
        return ""
    errs = doc.get("errors") if isinstance(doc, dict) else None
    if isinstance(errs, list) and errs and isinstance(errs[0], dict):
        code, msg = errs[0].get("code", ""), errs[0].get("message", "")
        return server_text(f"{code} {msg}".lower())
    return ""


_request_deadline = threading.local()  # .at: monotonic deadline of this thread's request, or None


def _watched(conn: Any, getresponse: Callable[[], Any]) -> Any:
    """Read a response's status line and headers under the request's deadline: a socket
    timeout resets on every byte, so a server trickling its headers would hold a run for
    hours; at the deadline the socket is shut down, which ends the blocked read."""
    deadline = getattr(_request_deadline, "at", None)
    if deadline is None or conn.sock is None:
        return getresponse()
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (conn.sock,))
    timer.daemon = True
    timer.start()
    try:
        return getresponse()
    finally:
        timer.cancel()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _HTTPConnection(urllib3.connection.HTTPConnection):
    def getresponse(self) -> Any:
        return _watched(self, super().getresponse)


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    def getresponse(self) -> Any:
        return _watched(self, super().getresponse)


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class RegistryClient:
    """One registry, one repository: a session with the auth the registry asked for."""

    def __init__(self, ref: Reference, insecure: bool = False) -> None:
        self.ref = ref
        self.api_host = DOCKER_HUB_API if ref.host == DOCKER_HUB else ref.host
        self.scheme = "http" if insecure else "https"
        self.insecure = insecure
        self.timeouts = Timeouts.from_env()
        ca = os.path.join("/etc/docker/certs.d", ref.host, "ca.crt")  # docker's per-registry CA
        self.pool = urllib3.PoolManager(
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca if os.path.isfile(ca) else None,
            headers={"User-Agent": "layerscope"},
            maxsize=8,  # a few blob downloads run at once (sources/prefetch.py); keep their connections
        )
        self.pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}  # header deadline
        self._authorization: str | None = None
        self._creds: auth.Credentials | None = None
        self._creds_loaded = False

    def close(self) -> None:
        self.pool.clear()

    # ----------------------------------------------------------------- transport
    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict | None = None,
        fields: dict | None = None,
        body: bytes | None = None,
        size: int | None = None,
    ) -> Response:
        """One request, redirects followed by hand: https is never downgraded to http, and
        ``Authorization`` never goes to another host than the one it was meant for (a blob
        redirect to a CDN or S3 goes without the registry's credentials)."""
        budget = self.timeouts.budget(size)
        deadline = time.monotonic() + budget
        headers = dict(headers or {})
        for _ in range(MAX_REDIRECTS + 1):
            raw = self._request(method, url, headers, fields, body, deadline, budget)
            location = raw.headers.get("Location") if raw.status in (301, 302, 303, 307, 308) else None
            if not location:
                return Response(raw, self.ref.host, deadline, budget, self.timeouts.io)
            Response(raw, self.ref.host, deadline, budget, self.timeouts.io).close()
            url = self._redirect_target(url, location, headers)
            if raw.status == 303 or (raw.status in (301, 302) and method == "POST"):
                method, body, fields = "GET", None, None
                headers.pop("Content-Type", None)
        raise LayerscopeError(f"registry {self.ref.host}: more than {MAX_REDIRECTS} redirects")

    def _redirect_target(self, url: str, location: str, headers: dict) -> str:
        """The absolute URL a redirect points at, after the safety checks; drops
        ``Authorization`` from ``headers`` when the host changes."""
        new = urljoin(url, location.strip())
        old_u, new_u = urlsplit(url), urlsplit(new)
        if new_u.scheme not in ("http", "https") or not new_u.netloc:
            raise LayerscopeError(f"registry {self.ref.host}: redirect to an unsupported URL {url_for_message(new)}")
        if old_u.scheme == "https" and new_u.scheme == "http":
            raise LayerscopeError(
                f"registry {self.ref.host}: refusing a redirect from https to plain http ({url_for_message(new)})"
            )
        if (old_u.hostname, old_u.port) != (new_u.hostname, new_u.port) and headers.pop("Authorization", None):
            log.debug("redirect to %s: Authorization not forwarded", new_u.netloc)
        return new

    def _request(
        self,
        method: str,
        url: str,
        headers: dict,
        fields: dict | None,
        body: bytes | None,
        deadline: float,
        budget: float,
    ) -> urllib3.BaseHTTPResponse:
        _request_deadline.at = deadline
        try:
            return self._request_once(method, url, headers, fields, body)
        except LayerscopeError:
            if time.monotonic() >= deadline:
                raise LayerscopeError(
                    f"registry {self.ref.host} did not finish sending in {_seconds(budget)} s "
                    f"(LAYERSCOPE_REGISTRY_DEADLINE)"
                ) from None
            raise
        finally:
            _request_deadline.at = None

    def _request_once(
        self, method: str, url: str, headers: dict, fields: dict | None, body: bytes | None
    ) -> urllib3.BaseHTTPResponse:
        host = self.ref.host
        retries = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=0)
        io = self.timeouts.io
        try:
            return self.pool.request(
                method,
                url,
                headers=headers,
                fields=fields,
                body=body,
                retries=retries,
                timeout=urllib3.Timeout(connect=io, read=io),
                preload_content=False,
                redirect=False,
            )
        except urllib3.exceptions.MaxRetryError as e:
            reason = e.reason if e.reason is not None else e
            if isinstance(reason, urllib3.exceptions.SSLError):
                hint = "" if self.scheme == "http" else "; for a plain-http registry use --insecure"
                raise LayerscopeError(f"TLS failure talking to registry {host}: {_reason(reason)}{hint}") from None
            if isinstance(reason, urllib3.exceptions.TimeoutError) and not isinstance(
                reason, urllib3.exceptions.NewConnectionError
            ):  # a subclass, oddly
                raise LayerscopeError(f"registry {host} did not answer in time") from None
            msg = _reason(reason)
            hint = ""
            if self.scheme == "https" and ("reset" in msg or "remote end closed" in msg.lower()):
                hint = "; for a plain-http registry use --insecure"
            raise LayerscopeError(f"cannot reach registry {host}: {msg}{hint}") from None
        except urllib3.exceptions.SSLError as e:
            raise LayerscopeError(f"TLS failure talking to registry {host}: {_reason(e)}") from None
        except urllib3.exceptions.TimeoutError:
            raise LayerscopeError(f"registry {host} did not answer in time") from None
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as e:
            raise LayerscopeError(f"request to registry {host} failed: {_reason(e)}") from None

    def _credentials(self) -> auth.Credentials | None:
        if not self._creds_loaded:
            self._creds = auth.credentials_for(self.ref.host)
            self._creds_loaded = True
        return self._creds

    def _authenticate(self, r: Response) -> bool:
        """Answer a 401 challenge; False when there is nothing more to try."""
        ch = auth.parse_challenge(r.headers.get("WWW-Authenticate", ""))
        creds = self._credentials()
        if ch is None:
            return False
        if ch.scheme == "basic":
            if creds is None or creds.identity_token:
                return False
            self._authorization = auth.basic_header(creds)
            return True
        if ch.scheme != "bearer" or not ch.params.get("realm"):
            return False
        realm = ch.params["realm"]
        self._check_realm(realm, creds)
        scope = ch.params.get("scope") or f"repository:{self.ref.repo}:pull"
        params = {k: v for k, v in (("service", ch.params.get("service")), ("scope", scope)) if v}
        if creds is not None and creds.identity_token:
            form = urlencode(
                {**params, "grant_type": "refresh_token", "client_id": "layerscope", "refresh_token": creds.secret}
            ).encode()
            tr = self._send("POST", realm, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        else:
            headers = {"Authorization": auth.basic_header(creds)} if creds else {}
            tr = self._send("GET", realm, fields=params, headers=headers)
        with tr:
            if tr.status_code in (401, 403):
                what = "credentials rejected" if creds else "anonymous access refused"
                raise LayerscopeError(
                    f"registry {self.ref.host}: {what} by the token service ({tr.status_code}) "
                    f"for {self.ref.repo}; log in with docker login {self.ref.host}"
                )
            if tr.status_code != 200:
                raise LayerscopeError(f"registry {self.ref.host}: token service answered {tr.status_code}")
            try:
                body = tr.json(MAX_SMALL_BODY, "token response")
            except (ValueError, UnicodeDecodeError):
                raise LayerscopeError(f"registry {self.ref.host}: token service sent invalid JSON") from None
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise LayerscopeError(f"registry {self.ref.host}: token service sent no token")
        self._authorization = f"Bearer {token}"
        return True

    def _check_realm(self, realm: str, creds: auth.Credentials | None) -> None:
        """A token realm must be http(s), and credentials only go to a plain-http realm when
        the user asked for plain http (``--insecure``): the challenge comes from the server,
        and an https registry naming an ``http://`` realm would get them in clear text."""
        scheme = urlsplit(realm).scheme.lower()
        if scheme not in ("http", "https"):
            raise LayerscopeError(
                f"registry {self.ref.host}: token realm is not an http(s) URL ({server_text(realm, 100)})"
            )
        if scheme == "http" and creds is not None and not self.insecure:
            raise LayerscopeError(
                f"registry {self.ref.host}: its token service {url_for_message(realm)} is plain "
                f"http; refusing to send credentials in clear text (--insecure allows it)"
            )

    def get(self, path: str, *, accept: str | None = None, size: int | None = None) -> Response:
        """GET with auth; a 401 is answered once, then surfaces through :meth:`check`."""
        url = f"{self.scheme}://{self.api_host}/v2/{path}"
        tried = False
        while True:
            headers = {"Accept": accept} if accept else {}
            if self._authorization:
                headers["Authorization"] = self._authorization
            r = self._send("GET", url, headers=headers, size=size)
            if r.status_code == 401 and not tried:
                tried = True
                if self._authenticate(r):
                    r.close()
                    continue
            return r

    def check(self, r: Response, what: str) -> None:
        """Raise the one-line error for a non-2xx answer."""
        if 200 <= r.status_code < 300:
            return
        msg = _registry_message(r)
        r.close()
        host, code = self.ref.host, r.status_code
        detail = f" ({msg})" if msg else ""
        if code == 401:
            how = "credentials were rejected" if self._credentials() else "authentication required"
            raise LayerscopeError(
                f"registry {host}: {how} for {self.ref.repo} (401){detail}; log in with docker login {host}"
            )
        if code == 403:
            raise LayerscopeError(f"registry {host}: access to {self.ref.repo} denied (403){detail}")
        if code == 404:
            raise LayerscopeError(f"{what} not found in registry {host} (404){detail}")
        raise LayerscopeError(f"registry {host}: HTTP {code} fetching {what}{detail}")

    # ----------------------------------------------------------------- documents
    def manifest(self, reference: str) -> tuple[bytes, str]:
        """(body, media type) of a manifest or index, bounded in size."""
        what = f"image {self.ref.host}/{self.ref.repo}{'@' if reference.startswith('sha') else ':'}{reference}"
        r = self.get(f"{self.ref.repo}/manifests/{reference}", accept=", ".join(MANIFEST_TYPES))
        self.check(r, what)
        body = read_bounded(r, MAX_MANIFEST, what)
        mt = server_text(r.headers.get("Content-Type", "").split(";")[0].strip(), 100)
        return body, mt

    def blob(self, digest: str, size: int | None = None) -> Response:
        """A streaming response for a blob (redirects to storage are followed); ``size`` is the
        descriptor's, which scales the request's deadline."""
        r = self.get(f"{self.ref.repo}/blobs/{digest}", size=size)
        self.check(r, f"blob {digest} of {self.ref.repo}")
        return r


def read_bounded(r: Response, limit: int, what: str) -> bytes:
    """The whole body of ``r`` (then closed), refused past ``limit`` bytes."""
    with r:
        return r.read_bounded(limit, f"{what}: larger than {_size(limit)}, refusing it")
