"""Real components for the source tests: a CNCF distribution registry, skopeo, podman.

Nothing here is mocked: the registry is Debian's ``docker-registry`` on a free loopback port
with its storage in a temp dir, images are pushed to it with ``skopeo copy`` from archives our
generator writes, and podman runs with its storage in a temp dir (vfs driver, so no overlay
mount is needed), either as a binary or as ``podman system service`` serving the Docker API.
When a component is missing or cannot run here, the tests that need it skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from fixtures.catalog import CASES
from fixtures.imagegen import write_docker_save, write_oci_archive
from layerscope.analysis.dive_efficiency import dive_efficiency
from layerscope.sources.archive import ReadOptions, read_archive

USER, PASSWORD = "tester", "s3cret-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need(binary: str) -> str:
    path = shutil.which(binary)
    if not path:
        pytest.skip(f"{binary} is not installed (.ci/run installs it with apt-get when it can)")
    return path


def wait_http(url: str, ok=(200, 401), timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code in ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up in {timeout}s")


@dataclass
class Registry:
    host: str  # 127.0.0.1:PORT
    auth: bool
    workdir: Path

    def push(self, source: str, name: str, *, all_platforms: bool = False) -> str:
        """``skopeo copy SOURCE docker://HOST/NAME``; returns the pushed reference."""
        skopeo = need("skopeo")
        argv = [skopeo, "--insecure-policy", "copy", "-q", "--dest-tls-verify=false"]
        if self.auth:
            argv += ["--dest-creds", f"{USER}:{PASSWORD}"]
        if all_platforms:
            argv.append("--all")
        argv += [source, f"docker://{self.host}/{name}"]
        res = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            raise RuntimeError(f"skopeo copy failed: {res.stderr.strip()}")
        return f"{self.host}/{name}"


def _htpasswd(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt  # libxcrypt does bcrypt, which distribution requires
        except ImportError:
            pytest.skip("no bcrypt implementation (Python's crypt module) to write an htpasswd file")
    # 2^4 rounds: the registry checks the hash on every request; a test needs no slow hash
    hashed = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    if not hashed or not hashed.startswith("$2"):
        pytest.skip("this libc's crypt() cannot make bcrypt hashes for htpasswd")
    path.write_text(f"{USER}:{hashed}\n")


def _start_registry(tmp: Path, auth: bool) -> tuple[subprocess.Popen, Registry]:
    binary = need("docker-registry")
    port = free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    cfg = [
        "version: 0.1",
        "log: {level: error, accesslog: {disabled: true}}",
        f"storage: {{filesystem: {{rootdirectory: {tmp / 'data'}}}, delete: {{enabled: true}}}}",
        f"http: {{addr: '127.0.0.1:{port}'}}",
    ]
    if auth:
        _htpasswd(tmp / "htpasswd")
        cfg.append(f"auth: {{htpasswd: {{realm: layerscope-test, path: {tmp / 'htpasswd'}}}}}")
    (tmp / "config.yml").write_text("\n".join(cfg) + "\n")
    log = open(tmp / "registry.log", "wb")
    proc = subprocess.Popen(
        [binary, "serve", str(tmp / "config.yml")], stdout=log, stderr=log, stdin=subprocess.DEVNULL
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/v2/")
    except RuntimeError:
        proc.kill()
        pytest.skip(f"docker-registry did not start: {(tmp / 'registry.log').read_text()[-300:]}")
    return proc, Registry(f"127.0.0.1:{port}", auth, tmp)


@pytest.fixture(scope="session")
def archives(tmp_path_factory) -> dict[str, Path]:
    """The demo image as a legacy docker save and as a gzip OCI archive, plus a two-platform
    OCI index (amd64 = demo, arm64 = another case)."""
    d = tmp_path_factory.mktemp("archives")
    out = {"save": d / "demo-save.tar", "oci": d / "demo-oci.tar", "multi": d / "multi-oci.tar"}
    write_docker_save(out["save"], CASES["demo"])
    write_oci_archive(out["oci"], CASES["demo"], compression="gzip")
    other = next(v for k, v in CASES.items() if k != "demo" and len(v.layers) >= 2)
    write_oci_archive(out["multi"], {"linux/amd64": CASES["demo"], "linux/arm64/v8": other}, nested_index=True)
    return out


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    proc, reg = _start_registry(tmp_path_factory.mktemp("registry"), auth=False)
    yield reg
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory):
    proc, reg = _start_registry(tmp_path_factory.mktemp("registry-auth"), auth=True)
    yield reg
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def docker_config(tmp_path, monkeypatch) -> Path:
    """An empty, private docker config dir (no credentials of the machine leak into tests)."""
    d = tmp_path / "docker-config"
    d.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(d))
    monkeypatch.setenv("LAYERSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    for var in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "CONTAINER_HOST"):
        monkeypatch.delenv(var, raising=False)
    return d


def summary(image) -> dict:
    """What must match between two sources of the same image."""
    eff = dive_efficiency(image)
    return {
        "efficiency": eff.efficiency,
        "wasted": eff.wasted_bytes,
        "user_wasted": eff.user_wasted_percent,
        "size": eff.size_bytes,
        "ineff": [(f.path, f.count, f.size) for f in eff.inefficient_files],
        "layers": [
            (
                layer.diff_id,
                layer.size,
                layer.command,
                [(e.path, e.typeflag, e.size, e.mode, e.uid, e.gid, e.linkname, e.hash) for e in layer.entries],
            )
            for layer in image.layers
        ],
    }


def archive_summary(path: Path, **kw) -> dict:
    return summary(read_archive(str(path), str(path), ReadOptions(**kw)))


# ----------------------------------------------------------------------------- podman


@dataclass
class Podman:
    env: dict[str, str]  # variables that point podman at the private storage
    binary: str

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.binary, *argv], capture_output=True, text=True, timeout=timeout, env={**os.environ, **self.env}
        )


@pytest.fixture(scope="session")
def podman(tmp_path_factory, request) -> Podman:
    binary = need("podman")
    d = tmp_path_factory.mktemp("podman")
    insecure = ""
    try:  # lets the engine tests pull from the loopback registry over plain http
        reg = request.getfixturevalue("registry")
        insecure = f'[[registry]]\nlocation = "{reg.host}"\ninsecure = true\n'
    except pytest.skip.Exception:
        pass
    conf = d / "storage.conf"
    conf.write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{d / "root"}"\nrunroot = "{d / "run"}"\n')
    env = {
        "CONTAINERS_STORAGE_CONF": str(conf),
        "CONTAINERS_REGISTRIES_CONF": str(d / "registries.conf"),
        "TMPDIR": str(d),
    }
    (d / "registries.conf").write_text("unqualified-search-registries = []\n" + insecure)
    p = Podman(env, binary)
    try:
        res = p.run("info", "--format", "{{.Store.GraphDriverName}}", timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"podman cannot run here: {e}")
    if res.returncode != 0:
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()] or ["unknown error"]
        pytest.skip(f"podman cannot run here (no user namespaces / storage?): {lines[-1]}")
    return p


@pytest.fixture(scope="session")
def podman_loaded(podman, archives) -> Podman:
    res = podman.run("load", "-q", "-i", str(archives["save"]))
    if res.returncode != 0:
        pytest.skip(f"podman load failed here: {res.stderr.strip()[-200:]}")
    return podman


@pytest.fixture(scope="session")
def podman_service(podman_loaded, tmp_path_factory):
    """``podman system service`` serving the Docker-compatible API on a private socket."""
    sock = tmp_path_factory.mktemp("sock") / "podman.sock"
    proc = subprocess.Popen(
        [podman_loaded.binary, "system", "service", "--time=0", f"unix://{sock}"],
        env={**os.environ, **podman_loaded.env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not sock.exists() and time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.skip(f"podman system service exited: {proc.stderr.read().decode()[-200:]}")
        time.sleep(0.05)
    if not sock.exists():
        proc.kill()
        pytest.skip("podman system service did not create its socket in 20s")
    yield f"unix://{sock}"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
