"""Which Docker engine to talk to: ``DOCKER_HOST`` and TLS variables, else Docker contexts.

The docker SDK only knows ``DOCKER_HOST``; the docker CLI (and dive, through the Go SDK's
helpers) also honours contexts, which is how Docker Desktop, colima, rootless Docker and remote
engines are usually selected.  So the context store is read here, the way the CLI does:

1. ``DOCKER_HOST`` set → that host (TLS from ``DOCKER_TLS_VERIFY`` / ``DOCKER_CERT_PATH``);
2. else ``DOCKER_CONTEXT``, else ``currentContext`` in ``$DOCKER_CONFIG/config.json``
   (``~/.docker/config.json``) names a context; ``default`` means "no context";
3. a named context is ``contexts/meta/<sha256(name)>/meta.json`` under the config dir, with
   its TLS material in ``contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem``;
4. otherwise ``unix:///var/run/docker.sock``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import LayerscopeError

DEFAULT_HOST = "unix:///var/run/docker.sock"


@dataclass(slots=True)
class EngineEndpoint:
    """Where the engine is and how to authenticate to it."""

    host: str
    context: str | None = None  # context name when a context picked the host
    ca_cert: str | None = None
    client_cert: tuple[str, str] | None = None
    tls_verify: bool = False
    tls: bool = False  # TLS on at all (client certs or verification)


def docker_config_dir(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")


def read_docker_config(env: Mapping[str, str] | None = None) -> dict:
    """``config.json`` of the docker CLI ({} when absent); a corrupt file is a clear error,
    since silently ignoring it would pick the wrong engine or credentials."""
    path = os.path.join(docker_config_dir(env), "config.json")
    try:
        with open(path, "rb") as f:
            data = json.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise LayerscopeError(f"cannot read docker config {path}: {getattr(e, 'strerror', None) or e}") from None
    if not isinstance(data, dict):
        raise LayerscopeError(f"cannot read docker config {path}: expected a JSON object")
    return data


def _from_env(env: Mapping[str, str]) -> EngineEndpoint | None:
    host = env.get("DOCKER_HOST")
    if not host:
        return None
    cert_path = env.get("DOCKER_CERT_PATH") or None
    verify_raw = env.get("DOCKER_TLS_VERIFY")
    tls_verify = verify_raw is not None and verify_raw != ""
    ep = EngineEndpoint(host=host)
    if cert_path or tls_verify:
        cert_path = cert_path or docker_config_dir(env)  # as the CLI and dive default it
        ep.tls = True
        ep.tls_verify = tls_verify
        ep.ca_cert = os.path.join(cert_path, "ca.pem")
        ep.client_cert = (os.path.join(cert_path, "cert.pem"), os.path.join(cert_path, "key.pem"))
    return ep


def context_name(env: Mapping[str, str] | None = None, config: dict | None = None) -> str | None:
    env = os.environ if env is None else env
    name = env.get("DOCKER_CONTEXT")
    if not name:
        cfg = read_docker_config(env) if config is None else config
        name = cfg.get("currentContext") if isinstance(cfg.get("currentContext"), str) else None
    return name or None


def _from_context(name: str, env: Mapping[str, str]) -> EngineEndpoint:
    store = os.path.join(docker_config_dir(env), "contexts")
    key = hashlib.sha256(name.encode()).hexdigest()
    meta_path = os.path.join(store, "meta", key, "meta.json")
    try:
        with open(meta_path, "rb") as f:
            meta = json.load(f)
    except FileNotFoundError:
        raise LayerscopeError(f"docker context {name!r} not found (no {meta_path})") from None
    except (OSError, ValueError) as e:
        raise LayerscopeError(f"cannot read docker context {name!r}: {getattr(e, 'strerror', None) or e}") from None
    endpoint = (meta.get("Endpoints") or {}).get("docker") if isinstance(meta, dict) else None
    if not isinstance(endpoint, dict) or not isinstance(endpoint.get("Host"), str) or not endpoint["Host"]:
        raise LayerscopeError(f"docker context {name!r} has no docker endpoint host")
    ep = EngineEndpoint(host=endpoint["Host"], context=name)
    tls_dir = os.path.join(store, "tls", key, "docker")
    ca, cert, keyf = (os.path.join(tls_dir, n) for n in ("ca.pem", "cert.pem", "key.pem"))
    has_ca, has_cert = os.path.isfile(ca), os.path.isfile(cert) and os.path.isfile(keyf)
    if has_ca or has_cert:
        ep.tls = True
        ep.ca_cert = ca if has_ca else None
        ep.client_cert = (cert, keyf) if has_cert else None
        ep.tls_verify = has_ca and not endpoint.get("SkipTLSVerify", False)
    return ep


def resolve_endpoint(env: Mapping[str, str] | None = None) -> EngineEndpoint:
    """The engine endpoint the docker CLI would use with these variables and files."""
    env = os.environ if env is None else env
    ep = _from_env(env)
    if ep is not None:
        return ep
    name = context_name(env)
    if name and name != "default":
        return _from_context(name, env)
    return EngineEndpoint(host=DEFAULT_HOST)
