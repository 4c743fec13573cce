"""Pure logic of the sources: references, auth challenges, credentials, contexts, pick_source."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from layerscope.errors import LayerscopeError
from layerscope.sources import pick_source
from layerscope.sources.auth import credentials_for, parse_challenge
from layerscope.sources.contexts import resolve_endpoint
from layerscope.sources.registry import parse_reference


@pytest.mark.parametrize(
    "text, want",
    [
        ("alpine", ("docker.io", "library/alpine", "latest", None)),
        ("user/app:1.2", ("docker.io", "user/app", "1.2", None)),
        ("localhost:5000/a/b", ("localhost:5000", "a/b", "latest", None)),
        ("ghcr.io/o/r:t@sha256:" + "a" * 64, ("ghcr.io", "o/r", "t", "sha256:" + "a" * 64)),
    ],
)
def test_parse_reference(text, want):
    r = parse_reference(text)
    assert (r.host, r.repo, r.tag, r.digest) == want


@pytest.mark.parametrize("bad", ["Bad/Upper:x", "host.io/r@sha256:zz", "r:t@@x"])
def test_parse_reference_errors_are_one_line(bad):
    with pytest.raises(LayerscopeError, match="invalid image reference"):
        parse_reference(bad)


def test_parse_challenge():
    ch = parse_challenge('Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull"')
    assert ch.scheme == "bearer"
    assert ch.params == {
        "realm": "https://auth.example/token",
        "service": "reg.example",
        "scope": "repository:a/b:pull",
    }
    assert parse_challenge('Basic realm="x"').scheme == "basic"


def test_credentials_lookup_order():
    auth = base64.b64encode(b"u:p").decode()
    cfg = {"auths": {"https://index.docker.io/v1/": {"auth": auth}, "reg.example": {"identitytoken": "tok"}}}
    hub = credentials_for("docker.io", cfg)
    assert (hub.username, hub.secret) == ("u", "p")
    assert credentials_for("reg.example", cfg).identity_token
    assert credentials_for("other.example", cfg) is None
    # a helper that is not installed means anonymous, as for a read-only pull
    assert credentials_for("other.example", {"credHelpers": {"other.example": "nonexistent-xyz"}}) is None


def test_context_resolution(tmp_path):
    env = {"DOCKER_CONFIG": str(tmp_path)}
    assert resolve_endpoint(env).host == "unix:///var/run/docker.sock"
    key = hashlib.sha256(b"remote").hexdigest()
    (tmp_path / "contexts" / "meta" / key).mkdir(parents=True)
    (tmp_path / "contexts" / "meta" / key / "meta.json").write_text(
        json.dumps({"Name": "remote", "Endpoints": {"docker": {"Host": "tcp://10.0.0.9:2376", "SkipTLSVerify": False}}})
    )
    tls = tmp_path / "contexts" / "tls" / key / "docker"
    tls.mkdir(parents=True)
    for n in ("ca.pem", "cert.pem", "key.pem"):
        (tls / n).write_text("x")
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    ep = resolve_endpoint(env)
    assert (ep.host, ep.context, ep.tls_verify) == ("tcp://10.0.0.9:2376", "remote", True)
    assert ep.client_cert == (str(tls / "cert.pem"), str(tls / "key.pem"))
    # DOCKER_HOST wins over the context; DOCKER_TLS_VERIFY without a path defaults to DOCKER_CONFIG
    ep = resolve_endpoint({**env, "DOCKER_HOST": "tcp://h:2376", "DOCKER_TLS_VERIFY": "1"})
    assert ep.host == "tcp://h:2376" and ep.tls_verify and ep.ca_cert == str(tmp_path / "ca.pem")
    assert resolve_endpoint({**env, "DOCKER_CONTEXT": "default"}).host == "unix:///var/run/docker.sock"
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(LayerscopeError, match="cannot read docker config"):
        resolve_endpoint(env)


def test_pick_source_defaults(tmp_path):
    assert pick_source("docker://a:b", None) == ("docker", "a:b")
    assert pick_source("podman://a", "docker") == ("podman", "a")
    assert pick_source("no/such/file:tag", None) == ("docker", "no/such/file:tag")
    with pytest.raises(LayerscopeError, match="unable to determine image source: foo"):
        pick_source("x", "foo")
