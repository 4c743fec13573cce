"""``registry://`` against a hostile registry: every body it sends is bounded in bytes and time,
credentials never travel in clear text or to a host they were not meant for, and malformed
documents get a located one-line error (exit 2), never "internal error"."""

from __future__ import annotations

import base64
import json
import re
import time
import tracemalloc

import pytest

from layerscope.cli import main
from layerscope.errors import LayerscopeError
from layerscope.sources.archive import ReadOptions
from layerscope.sources.pull import load_from_registry

from .evil import (
    EvilServer,
    TinyImage,
    digest,
    endless,
    self_signed,
    send,
    serve_image,
    stall,
    tiny_image,
    trickle,
    trickle_headers,
)

IMAGE_MT = "application/vnd.oci.image.manifest.v1+json"
INDEX_MT = "application/vnd.oci.image.index.v1+json"


@pytest.fixture
def evil():
    server = EvilServer().start()
    yield server
    server.stop()


@pytest.fixture
def short_timeouts(monkeypatch):
    monkeypatch.setenv("LAYERSCOPE_REGISTRY_TIMEOUT", "1")
    monkeypatch.setenv("LAYERSCOPE_REGISTRY_DEADLINE", "1.5")


def pull(ref: str, **kw):
    kw.setdefault("insecure", True)
    return load_from_registry(ref, ReadOptions(**kw))


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("layerscope: "), err
    assert "internal error" not in err[0]
    return err[0]


def test_tiny_image_pulls(docker_config, evil):
    """The fake registry itself is sound: the unmodified image analyzes."""
    img = tiny_image()
    serve_image(evil, "demo/ok", "v1", img)
    image = pull(f"{evil.host}/demo/ok:v1")
    assert [e.path for e in image.layers[0].entries] == ["data.bin"]


# ----------------------------------------------------------------------------- sizes and time


def test_blob_past_its_descriptor_size_is_refused(docker_config, evil, tmp_path):
    img = tiny_image()
    assert len(img.layer) == 20480
    serve_image(evil, "demo/big", "v1", img)
    evil.routes[f"/v2/demo/big/blobs/{img.layer_digest}"] = lambda h: endless(h, prefix=img.layer)
    with pytest.raises(LayerscopeError, match=rf"blob {img.layer_digest} is larger than its descriptor's 20480 bytes"):
        pull(f"{evil.host}/demo/big:v1")
    cached = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert not [p for p in cached if ".partial." in p.name]
    assert all(p.stat().st_size <= 20481 for p in cached)


def test_config_past_its_descriptor_size_is_refused(docker_config, evil):
    img = tiny_image()
    serve_image(evil, "demo/cfg", "v1", img)
    evil.routes[f"/v2/demo/cfg/blobs/{digest(img.config)}"] = lambda h: endless(h, prefix=img.config, fill=b" ")
    with pytest.raises(LayerscopeError, match=r"config of .*larger than \d+ bytes"):
        pull(f"{evil.host}/demo/cfg:v1")


def test_trickled_manifest_hits_the_deadline(docker_config, evil, short_timeouts):
    img = tiny_image()
    serve_image(evil, "demo/slow", "v1", img)
    evil.routes["/v2/demo/slow/manifests/v1"] = lambda h: trickle(h, img.manifest, every=0.05)
    start = time.monotonic()
    with pytest.raises(LayerscopeError, match=r"did not finish sending in 1.5 s"):
        pull(f"{evil.host}/demo/slow:v1")
    assert time.monotonic() - start < 6


@pytest.mark.parametrize("tls", [False, True])
def test_trickled_headers_hit_the_deadline(docker_config, request, short_timeouts, tls):
    server = request.getfixturevalue("tls_evil" if tls else "evil")
    serve_image(server, "demo/hdr", "v1", tiny_image())
    server.routes["/v2/demo/hdr/manifests/v1"] = lambda h: trickle_headers(h, every=0.05)
    start = time.monotonic()
    with pytest.raises(LayerscopeError, match=r"did not finish sending in 1.5 s"):
        pull(f"{server.host}/demo/hdr:v1", insecure=not tls)
    assert time.monotonic() - start < 6


def test_stalled_blob_hits_the_read_timeout(docker_config, evil, monkeypatch):
    monkeypatch.setenv("LAYERSCOPE_REGISTRY_TIMEOUT", "0.5")
    img = tiny_image()
    serve_image(evil, "demo/stall", "v1", img)
    evil.routes[f"/v2/demo/stall/blobs/{img.layer_digest}"] = stall
    start = time.monotonic()
    with pytest.raises(LayerscopeError, match=r"stopped sending"):
        pull(f"{evil.host}/demo/stall:v1", cache=False)
    assert time.monotonic() - start < 6


def test_invalid_timeout_variable_is_a_config_error(docker_config, evil, monkeypatch, capsys):
    monkeypatch.setenv("LAYERSCOPE_REGISTRY_TIMEOUT", "soon")
    err = one_line_error(capsys, [f"registry://{evil.host}/demo/x:v1", "--insecure", "--ci"])
    assert "invalid LAYERSCOPE_REGISTRY_TIMEOUT 'soon'" in err


@pytest.mark.parametrize("status", [404, 500])
def test_huge_error_body_is_not_read(docker_config, evil, status):
    evil.routes["/v2/"] = lambda h: send(h, 200, b"{}")
    evil.routes["/v2/demo/err/manifests/v1"] = lambda h: endless(h, status, b'{"errors":[{"message":"', b"x")
    tracemalloc.start()
    try:
        with pytest.raises(LayerscopeError, match=r"error body not read: larger than 1 MiB"):
            pull(f"{evil.host}/demo/err:v1")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20


def test_huge_token_response_is_refused(docker_config, evil):
    challenge = {"WWW-Authenticate": f'Bearer realm="http://{evil.host}/token",service="evil"'}
    evil.routes["/v2/demo/tok/manifests/v1"] = lambda h: send(h, 401, b"{}", challenge)
    evil.routes["/token"] = lambda h: endless(h, 200, b'{"token":"', b"t")
    with pytest.raises(LayerscopeError, match=r"token response larger than 1 MiB"):
        pull(f"{evil.host}/demo/tok:v1")


def test_server_text_in_errors_is_printable_and_capped(docker_config, evil):
    body = json.dumps({"errors": [{"code": "DENIED", "message": "\x1b]0;pwned\x07\x1b[31m" + "y" * 5000}]})
    evil.routes["/v2/demo/esc/manifests/v1"] = lambda h: send(h, 403, body.encode())
    with pytest.raises(LayerscopeError) as e:
        pull(f"{evil.host}/demo/esc:v1")
    assert "\x1b" not in str(e.value) and "\x07" not in str(e.value)
    assert len(str(e.value)) < 400


# ----------------------------------------------------------------------------- malformed documents


def _index(entries) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": INDEX_MT, "manifests": entries}).encode()


def _entry(os_="linux", arch="amd64", **platform) -> dict:
    return {
        "mediaType": IMAGE_MT,
        "digest": digest(b"child"),
        "size": 5,
        "platform": {"os": os_, "architecture": arch, **platform},
    }


def _manifest(**changes) -> bytes:
    doc = tiny_image().manifest_doc
    for path, value in changes.items():
        target, *keys = path.split("__")
        node = doc
        for k in [target, *keys][:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        last = [target, *keys][-1]
        if value is KeyError:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    "body, pattern",
    [
        (
            json.dumps({"schemaVersion": 2, "mediaType": INDEX_MT, "manifests": 5}).encode(),
            r"manifests must be a list, not 5",
        ),
        (_index([_entry(os_=7)]), r"manifests\[0\]: platform.os must be a string, not 7"),
        (_index([{**_entry(), "platform": "linux"}]), r"manifests\[0\]: platform must be a JSON object"),
        (_index([{**_entry(), "digest": 12}]), r"manifests\[0\]: digest must be a string, not 12"),
        (_manifest(layers="x"), r"layers must be a list, not 'x'"),
        (_manifest(layers__0__size=-1), r"layers\[0\]: size must be a non-negative integer, not -1"),
        (_manifest(layers__0__size=True), r"layers\[0\]: size must be a non-negative integer, not true"),
        (_manifest(layers__0__size="20480"), r"layers\[0\]: size must be a non-negative integer, not '20480'"),
        (_manifest(layers__0__digest=5), r"layers\[0\]: digest must be a string, not 5"),
        (_manifest(layers__0__digest="md5:" + "0" * 32), r"unsupported digest algorithm .*md5"),
        (_manifest(layers__0__digest="sha256:abc"), r"layers\[0\]: invalid digest 'sha256:abc'"),
        (_manifest(layers__0="x"), r"layers\[0\]: descriptor must be a JSON object"),
        (_manifest(config=KeyError), r"config: descriptor must be a JSON object, not null"),
        (_manifest(mediaType=[1]), r"mediaType must be a string, not \[1\]"),
        (b"[]", r"expected a JSON object"),
    ],
)
def test_malformed_documents_are_located_errors(docker_config, evil, capsys, body, pattern):
    img = tiny_image()
    serve_image(evil, "demo/bad", "v1", img, manifest=body)
    err = one_line_error(capsys, [f"registry://{evil.host}/demo/bad:v1", "--insecure", "--ci"])
    assert re.search(pattern, err), err
    assert "demo/bad" in err  # located: it names the image


def test_platform_list_is_capped(docker_config, evil):
    entries = [_entry(arch=f"arch{i:02d}") for i in range(50)]
    serve_image(evil, "demo/many", "v1", tiny_image(), manifest=_index(entries))
    with pytest.raises(LayerscopeError) as e:
        pull(f"{evil.host}/demo/many:v1", platform="linux/s390x")
    msg = str(e.value)
    assert "linux/arch19" in msg and "linux/arch20" not in msg
    assert msg.endswith("… and 30 more)")


# ----------------------------------------------------------------------------- credentials


def _creds_for(docker_config, host: str) -> str:
    token = base64.b64encode(b"alice:hunter2").decode()
    (docker_config / "config.json").write_text(json.dumps({"auths": {host: {"auth": token}}}))
    return f"Basic {token}"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    import shutil

    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed (needed for a self-signed test certificate)")
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_evil(cert, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    server = EvilServer(tls=cert).start()
    yield server
    server.stop()


def test_tls_fixture_works(docker_config, tls_evil):
    serve_image(tls_evil, "demo/tls", "v1", tiny_image())
    assert pull(f"{tls_evil.host}/demo/tls:v1", insecure=False).layers


def test_credentials_never_go_to_a_plain_http_realm(docker_config, tls_evil, evil):
    _creds_for(docker_config, tls_evil.host)
    challenge = {"WWW-Authenticate": f'Bearer realm="http://{evil.host}/token",service="x"'}
    tls_evil.routes["/v2/demo/realm/manifests/v1"] = lambda h: send(h, 401, b"{}", challenge)
    evil.routes["/token"] = lambda h: send(h, 200, b'{"token":"t"}')
    with pytest.raises(
        LayerscopeError,
        match=r"token service http://127\.0\.0\.1:\d+/token is plain http; "
        r"refusing to send credentials",
    ):
        pull(f"{tls_evil.host}/demo/realm:v1", insecure=False)
    assert not [s for s in evil.seen if "authorization" in s.headers]


def test_https_never_redirects_to_http(docker_config, tls_evil, evil):
    img = tiny_image()
    serve_image(tls_evil, "demo/down", "v1", img)
    target = f"http://{evil.host}/cdn/layer?X-Signature=secret"
    tls_evil.routes[f"/v2/demo/down/blobs/{img.layer_digest}"] = lambda h: send(h, 307, b"", {"Location": target})
    with pytest.raises(
        LayerscopeError,
        match=r"refusing a redirect from https to plain http "
        r"\(http://127\.0\.0\.1:\d+/cdn/layer\)",
    ):
        pull(f"{tls_evil.host}/demo/down:v1", insecure=False)
    assert evil.seen == []


def test_redirect_to_another_host_goes_without_credentials(docker_config, evil):
    """A blob redirect to storage (a CDN, S3) must not carry the registry's credentials."""
    cdn = EvilServer().start()
    try:
        img = tiny_image()
        expected = _creds_for(docker_config, evil.host)
        serve_image(evil, "demo/cdn", "v1", img)
        guarded = dict(evil.routes)

        def guard(path):
            def route(h):
                if h.headers.get("Authorization") != expected:
                    return send(h, 401, b"{}", {"WWW-Authenticate": 'Basic realm="x"'})
                return guarded[path](h)

            return route

        for path in guarded:
            evil.routes[path] = guard(path)
        cdn.routes["/layer"] = lambda h: send(h, 200, img.layer)
        evil.routes[f"/v2/demo/cdn/blobs/{img.layer_digest}"] = lambda h: (
            guard("/v2/")(h)
            if h.headers.get("Authorization") != expected
            else send(h, 307, b"", {"Location": f"http://localhost:{cdn.port}/layer"})
        )
        assert pull(f"{evil.host}/demo/cdn:v1").layers
        assert cdn.requests_to("/layer"), "the blob came from the CDN"
        assert all("authorization" not in s.headers for s in cdn.seen)
    finally:
        cdn.stop()


# ----------------------------------------------------------------------------- ignore-errors


def _garbage_layer_image() -> TinyImage:
    """A registry image whose one layer blob is not a tar (its digest is right: the blob is
    what the manifest names, it just cannot be parsed)."""
    img = tiny_image()
    bad = b"this is not a tar archive\n" * 40
    manifest = json.loads(img.manifest)
    manifest["layers"][0] = {
        "mediaType": "application/vnd.oci.image.layer.v1.tar",
        "digest": digest(bad),
        "size": len(bad),
    }
    return TinyImage(bad, img.config, json.dumps(manifest).encode())


def test_bad_layer_stops_a_pull_without_ignore_errors(docker_config, evil):
    img = _garbage_layer_image()
    serve_image(evil, "demo/garbage", "v1", img)
    with pytest.raises(LayerscopeError, match=r"layer"):
        pull(f"{evil.host}/demo/garbage:v1", cache=False)


def test_ignore_errors_skips_a_bad_registry_layer(docker_config, evil):
    img = _garbage_layer_image()
    serve_image(evil, "demo/garbage2", "v1", img)
    image = pull(f"{evil.host}/demo/garbage2:v1", cache=False, ignore_errors=True)
    assert len(image.layers) == 1
    assert image.layers[0].entries == []
    assert image.layers[0].skipped  # named as skipped, with the reason
