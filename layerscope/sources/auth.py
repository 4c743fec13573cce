"""Registry credentials and the token dance, as the docker CLI does them.

Credentials come from the docker CLI's ``config.json`` (``$DOCKER_CONFIG`` or ``~/.docker``):
``credHelpers[host]`` first, then an ``auths`` entry (``auth`` = base64 ``user:password``, or
``username``/``password``, or an ``identitytoken``), then ``credsStore``.  Helpers are the
``docker-credential-NAME`` programs every registry login tool installs; a missing helper or "no
credentials" simply means anonymous access, as in the CLI.

Authentication follows the ``WWW-Authenticate`` challenge of the registry: ``Basic`` sends the
credentials on each request; ``Bearer`` exchanges them (or nothing, for anonymous pulls) for a
token at the realm, scoped to ``repository:REPO:pull``.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from dataclasses import dataclass

from ..errors import LayerscopeError
from .contexts import read_docker_config

DOCKER_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io")
_CHALLENGE_RE = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


@dataclass(slots=True)
class Credentials:
    """A username and secret; ``username == "<token>"`` means the secret is an identity
    (refresh) token, as credential helpers report OAuth logins."""

    username: str
    secret: str

    @property
    def identity_token(self) -> bool:
        return self.username == "<token>"


def _keys_for(host: str) -> list[str]:
    if host in DOCKER_HUB_KEYS:
        return list(DOCKER_HUB_KEYS)
    return [host, f"https://{host}", f"http://{host}", f"https://{host}/v1/", f"https://{host}/v2/"]


def _from_helper(helper: str, server: str) -> Credentials | None:
    exe = shutil.which(f"docker-credential-{helper}")
    if not exe:
        return None  # the CLI errors here; for read-only pulls anonymous access is the better try
    try:
        res = subprocess.run([exe, "get"], input=server.encode(), capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise LayerscopeError(f"credential helper docker-credential-{helper} failed: {e}") from None
    if res.returncode != 0:
        out = (res.stdout + res.stderr).decode("utf-8", "replace").strip()
        if "credentials not found" in out.lower() or not out:
            return None
        raise LayerscopeError(f"credential helper docker-credential-{helper} failed: {out.splitlines()[-1]}")
    try:
        data = json.loads(res.stdout)
    except ValueError:
        raise LayerscopeError(f"credential helper docker-credential-{helper} printed invalid JSON") from None
    user, secret = data.get("Username"), data.get("Secret")
    if not isinstance(secret, str) or not secret:
        return None
    return Credentials(str(user or ""), secret)


def _from_entry(entry: object) -> Credentials | None:
    if not isinstance(entry, dict):
        return None
    if isinstance(entry.get("identitytoken"), str) and entry["identitytoken"]:
        return Credentials("<token>", entry["identitytoken"])
    if isinstance(entry.get("auth"), str) and entry["auth"]:
        try:
            user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise LayerscopeError("docker config: an auths entry has an invalid base64 auth value") from None
        return Credentials(user, password)
    if isinstance(entry.get("username"), str) and isinstance(entry.get("password"), str):
        return Credentials(entry["username"], entry["password"])
    return None


def credentials_for(host: str, config: dict | None = None) -> Credentials | None:
    """The credentials the docker CLI would use for ``host``, or None (anonymous)."""
    cfg = read_docker_config() if config is None else config
    keys = _keys_for(host)
    raw_helpers = cfg.get("credHelpers")
    helpers: dict = raw_helpers if isinstance(raw_helpers, dict) else {}
    for k in keys:
        if isinstance(helpers.get(k), str) and helpers[k]:
            return _from_helper(helpers[k], keys[0] if host in DOCKER_HUB_KEYS else host)
    raw_auths = cfg.get("auths")
    auths: dict = raw_auths if isinstance(raw_auths, dict) else {}
    for k in keys:
        creds = _from_entry(auths.get(k))
        if creds is not None:
            return creds
    store = cfg.get("credsStore")
    if isinstance(store, str) and store:
        return _from_helper(store, keys[0] if host in DOCKER_HUB_KEYS else host)
    return None


@dataclass(slots=True)
class Challenge:
    scheme: str  # "bearer" or "basic" (lower-cased)
    params: dict[str, str]


def parse_challenge(header: str) -> Challenge | None:
    """``Bearer realm="…",service="…",scope="…"`` → Challenge (first scheme only)."""
    header = header.strip()
    if not header:
        return None
    scheme, _, rest = header.partition(" ")
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3)).replace('\\"', '"')
        for m in _CHALLENGE_RE.finditer(rest)
    }
    return Challenge(scheme.lower(), params)


def basic_header(creds: Credentials) -> str:
    return "Basic " + base64.b64encode(f"{creds.username}:{creds.secret}".encode()).decode()
