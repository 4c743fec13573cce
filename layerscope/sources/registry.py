"""A small OCI distribution (registry v2) client: references, auth, manifests, blob streams.

No daemon is involved: ``registry://HOST/REPO:TAG`` (or ``@sha256:…``) is fetched over HTTP(S)
the way ``docker pull`` does, but blobs are streamed into the analyzer instead of unpacked.

Every failure a user can meet is one line naming the registry and what to do: unreachable
network, TLS failure (with the ``--insecure`` hint for a plain-http registry), 401 / 403
(credentials), 404 (image or repository not found), other statuses with the registry's own
error message.  Auth follows the ``WWW-Authenticate`` challenge (see :mod:`.auth`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import urllib3

from ..errors import LayerscopeError
from . import auth

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
MAX_MANIFEST = 4 << 20  # the distribution spec's recommended bound
TIMEOUT = (30, 300)  # connect, per-read seconds: a stalled transfer still ends
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
    for pat in (r"certificate verify failed: ([^(')\"]+)", r"\[SSL: ([A-Z_]+)\]", r"\[Errno -?\d+\] ([^'\")]+)",
                r"(Name or service not known|Temporary failure in name resolution|Connection refused)"):
        m = re.search(pat, text)
        if m:
            return m.group(1).strip().rstrip(".").lower().replace("_", " ")
    return " ".join(text.split())[:160]


class Response:
    """The few things this client needs of an HTTP answer, over urllib3 (which is what the
    docker SDK already brings in; ``requests`` on top would cost ~0.2 s of import per run)."""

    def __init__(self, raw: urllib3.BaseHTTPResponse, host: str) -> None:
        self._raw, self._host = raw, host
        self.status_code = raw.status
        self.headers = raw.headers

    def json(self) -> Any:
        return json.loads(self._raw.data)

    def iter_content(self, size: int) -> Any:
        try:
            yield from self._raw.stream(size)
        except urllib3.exceptions.HTTPError as e:
            raise LayerscopeError(f"transfer from registry {self._host} failed: {_reason(e)}") from None

    def close(self) -> None:
        # a small unread body (an error document) is drained so the connection can be reused;
        # an abandoned blob closes its connection instead of being downloaded for nothing
        try:
            length = int(self.headers.get("Content-Length") or 1 << 30)
            if getattr(self._raw, "length_remaining", None) == 0:
                pass  # read to the end: the connection is clean
            elif length <= 1 << 16:
                self._raw.drain_conn()
            else:
                self._raw.close()
        except (ValueError, urllib3.exceptions.HTTPError, OSError):
            self._raw.close()
        self._raw.release_conn()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _registry_message(r: Response) -> str:
    try:
        errs = r.json().get("errors")
        if isinstance(errs, list) and errs and isinstance(errs[0], dict):
            code, msg = errs[0].get("code", ""), errs[0].get("message", "")
            return " ".join(f"{code} {msg}".split()).lower()[:200]
    except (ValueError, AttributeError, urllib3.exceptions.HTTPError):
        pass
    return ""


class RegistryClient:
    """One registry, one repository: a session with the auth the registry asked for."""

    def __init__(self, ref: Reference, insecure: bool = False) -> None:
        self.ref = ref
        self.api_host = DOCKER_HUB_API if ref.host == DOCKER_HUB else ref.host
        self.scheme = "http" if insecure else "https"
        ca = os.path.join("/etc/docker/certs.d", ref.host, "ca.crt")  # docker's per-registry CA
        self.pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=ca if os.path.isfile(ca) else None,
                                        headers={"User-Agent": "layerscope"})
        self._authorization: str | None = None
        self._creds: auth.Credentials | None = None
        self._creds_loaded = False

    def close(self) -> None:
        self.pool.clear()

    # ----------------------------------------------------------------- transport
    def _send(self, method: str, url: str, *, headers: dict | None = None, fields: dict | None = None,
              body: bytes | None = None) -> Response:
        host = self.ref.host
        retries = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5)
        try:
            raw = self.pool.request(method, url, headers=headers, fields=fields, body=body, retries=retries,
                                    timeout=urllib3.Timeout(connect=TIMEOUT[0], read=TIMEOUT[1]),
                                    preload_content=False, redirect=True)
        except urllib3.exceptions.MaxRetryError as e:
            reason = e.reason if e.reason is not None else e
            if isinstance(reason, urllib3.exceptions.SSLError):
                hint = "" if self.scheme == "http" else "; for a plain-http registry use --insecure"
                raise LayerscopeError(f"TLS failure talking to registry {host}: {_reason(reason)}{hint}") from None
            if isinstance(reason, urllib3.exceptions.TimeoutError) and \
                    not isinstance(reason, urllib3.exceptions.NewConnectionError):  # a subclass, oddly
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
        return Response(raw, host)

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
        scope = ch.params.get("scope") or f"repository:{self.ref.repo}:pull"
        params = {k: v for k, v in (("service", ch.params.get("service")), ("scope", scope)) if v}
        if creds is not None and creds.identity_token:
            form = urlencode({**params, "grant_type": "refresh_token", "client_id": "layerscope",
                              "refresh_token": creds.secret}).encode()
            tr = self._send("POST", realm, body=form,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        else:
            headers = {"Authorization": auth.basic_header(creds)} if creds else {}
            tr = self._send("GET", realm, fields=params, headers=headers)
        with tr:
            if tr.status_code in (401, 403):
                what = "credentials rejected" if creds else "anonymous access refused"
                raise LayerscopeError(f"registry {self.ref.host}: {what} by the token service ({tr.status_code}) "
                                      f"for {self.ref.repo}; log in with docker login {self.ref.host}")
            if tr.status_code != 200:
                raise LayerscopeError(f"registry {self.ref.host}: token service answered {tr.status_code}")
            try:
                body = tr.json()
            except (ValueError, urllib3.exceptions.HTTPError):
                raise LayerscopeError(f"registry {self.ref.host}: token service sent invalid JSON") from None
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise LayerscopeError(f"registry {self.ref.host}: token service sent no token")
        self._authorization = f"Bearer {token}"
        return True

    def get(self, path: str, *, accept: str | None = None) -> Response:
        """GET with auth; a 401 is answered once, then surfaces through :meth:`check`."""
        url = f"{self.scheme}://{self.api_host}/v2/{path}"
        tried = False
        while True:
            headers = {"Accept": accept} if accept else {}
            if self._authorization:
                headers["Authorization"] = self._authorization
            r = self._send("GET", url, headers=headers)
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
            raise LayerscopeError(f"registry {host}: {how} for {self.ref.repo} (401){detail}; "
                                  f"log in with docker login {host}")
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
        mt = r.headers.get("Content-Type", "").split(";")[0].strip()
        return body, mt

    def blob(self, digest: str) -> Response:
        """A streaming response for a blob (redirects to storage are followed)."""
        r = self.get(f"{self.ref.repo}/blobs/{digest}")
        self.check(r, f"blob {digest} of {self.ref.repo}")
        return r


def read_bounded(r: Response, limit: int, what: str) -> bytes:
    parts, total = [], 0
    with r:
        for c in r.iter_content(1 << 16):
            parts.append(c)
            total += len(c)
            if total > limit:
                raise LayerscopeError(f"{what}: larger than {limit >> 20} MiB, refusing it")
    return b"".join(parts)
