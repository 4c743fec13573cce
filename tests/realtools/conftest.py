"""A corpus of images built by real tools, for checking layerscope against the real dive.

Our generator (``fixtures/imagegen.py``) can only write what we think the tools write; this
corpus is what they actually write.  Everything here runs real programs from Debian packages:

* a private Docker engine (``containerd`` + ``dockerd`` on sockets in a temp dir, overlay2 or,
  where overlay mounts fail, vfs) that builds the Dockerfiles below, ``docker save``\\s them and
  runs containers as the filesystem oracle;
* ``ctr`` (containerd's client) importing those saves and exporting them again as an OCI archive
  with a Docker ``manifest.json``;
* ``skopeo copy`` to docker-archive, oci-archive and ``oci:`` directories;
* ``buildah bud`` and ``podman build`` (chroot isolation, vfs storage in a temp dir), saved in
  every format they offer;
* ``umoci`` repacking an unpacked bundle after edits (its own whiteouts).

No base image is pulled: each image starts ``FROM scratch`` with the static busybox binary.
A tool that is missing or cannot run here makes only the variants that need it unavailable;
the tests asking for those skip with the recorded reason (printed in pytest's skip summary).
Every subprocess has a timeout.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

STEP_TIMEOUT = 180  # seconds, any one build / save / copy
UNAVAILABLE: dict[str, str] = {}  # variant -> why a test had to skip it (printed at the end)
WHEELS = ["six", "idna", "packaging"]

BASE = """FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
"""

# name -> Dockerfile.  Each one exercises a way real builds make layers dive has to stack.
DOCKERFILES: dict[str, str] = {
    # site-packages from real wheels, some removed again in a later layer, a non-root USER
    "pyapp": BASE
    + """COPY site-packages /usr/lib/python3/site-packages
COPY app.py /app/app.py
RUN rm -rf /usr/lib/python3/site-packages/idna /usr/lib/python3/site-packages/idna-*.dist-info
USER 1000:1000
WORKDIR /app
""",
    # only the artifact of the build stage reaches the final image
    "multistage": """FROM scratch AS build
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN mkdir -p /out && yes built | head -c 65536 > /out/big && echo artifact > /out/artifact
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY --from=build /out/artifact /opt/artifact
""",
    # deletes, overwrites, metadata-only copy-ups, an opaque directory, links, an empty file
    "edits": BASE
    + """RUN mkdir -p /data/keep /data/gone /cfg \\
 && yes gone | head -c 32768 > /data/gone/blob && echo keep > /data/keep/k \\
 && echo secret > /x && echo why > /y && touch /empty && ln /x /x.hard \\
 && ln -s /data/keep/k /klink && echo old > /cfg/c && yes o | head -c 9000 > /cfg/old
RUN rm -rf /data/gone
RUN yes k | head -c 20000 > /data/keep/k
RUN chmod 600 /x
RUN chown 1:1 /y
RUN rm -rf /cfg && mkdir /cfg && echo new > /cfg/n
USER 65534:65534
""",
}

APP_PY = "import six, packaging\nprint(six.__version__, packaging.__version__)\n"


def run(
    argv: list[str], *, timeout: float = STEP_TIMEOUT, env: dict | None = None, cwd: str | None = None
) -> subprocess.CompletedProcess:
    """Run a tool with a timeout; raise :class:`ToolError` with its stderr on failure."""
    try:
        res = subprocess.run(argv, capture_output=True, timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        raise ToolError(f"{argv[0]} timed out after {timeout}s") from e
    except OSError as e:
        raise ToolError(f"{argv[0]} cannot run: {e}") from e
    if res.returncode != 0:
        tail = res.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise ToolError(f"{' '.join(argv[:3])} exited {res.returncode}: {' | '.join(tail)}")
    return res


class ToolError(RuntimeError):
    """A tool of the corpus could not do its step (the reason becomes a skip reason)."""


def has_interpreter(path: str) -> bool:
    """True when the ELF file asks for a dynamic loader (PT_INTERP): such a busybox cannot run
    in a ``FROM scratch`` image, only busybox-static's can."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return True  # not a 64-bit ELF: treat as unusable
        endian = "<" if head[5] == 1 else ">"
        (phoff,) = struct.unpack_from(endian + "Q", head, 32)
        phentsize, phnum = struct.unpack_from(endian + "HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return any(struct.unpack_from(endian + "I", table, i * phentsize)[0] == 3 for i in range(phnum))


def static_busybox() -> str | None:
    for cand in ("/bin/busybox", "/usr/bin/busybox", shutil.which("busybox") or ""):
        if cand and os.path.isfile(cand) and not has_interpreter(cand):
            return cand
    return None


# ---------------------------------------------------------------------------------- the engine


@dataclass
class Engine:
    """A private Docker engine: ``DOCKER_HOST`` for it and the containerd socket under it."""

    host: str  # unix:///…/d.sock
    containerd_sock: str
    driver: str

    def env(self) -> dict:
        env = dict(os.environ)
        env["DOCKER_HOST"] = self.host
        env["DOCKER_BUILDKIT"] = "0"  # the classic builder: one layer per instruction, no buildx
        env.pop("DOCKER_CONTEXT", None)
        return env

    def docker(self, *args: str, timeout: float = STEP_TIMEOUT) -> subprocess.CompletedProcess:
        docker = shutil.which("docker")
        if docker is None:
            raise ToolError("the docker client is not installed")
        return run([docker, *args], env=self.env(), timeout=timeout)


def _ping(sock: str) -> bool:
    """GET /_ping on the engine's unix socket, without any client library."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(sock)
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            head = s.recv(64)
    except OSError:
        return False
    return head.startswith(b"HTTP/1.") and b" 200 " in head


def _wait(check, proc: subprocess.Popen, what: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ToolError(f"{what} exited {proc.returncode}: {_log_tail(log)}")
        if check():
            return
        time.sleep(0.2)
    raise ToolError(f"{what} not ready after {timeout}s: {_log_tail(log)}")


def _log_tail(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(lines[-2:])


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _spawn(argv: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _start_engine(root: Path, driver: str, procs: list) -> Engine:
    containerd, dockerd = shutil.which("containerd"), shutil.which("dockerd")
    if not containerd or not dockerd:
        raise ToolError("containerd / dockerd are not installed (Debian: containerd, docker.io)")
    if os.geteuid() != 0:
        raise ToolError("a private Docker engine needs root")
    root.mkdir(parents=True)
    csock, dsock = str(root / "c.sock"), str(root / "d.sock")
    cproc = _spawn(
        [containerd, "--root", str(root / "c-root"), "--state", str(root / "c-state"), "--address", csock],
        root / "containerd.log",
    )
    procs.append(cproc)
    _wait(lambda: os.path.exists(csock), cproc, "containerd", 30, root / "containerd.log")
    dproc = _spawn(
        [
            dockerd,
            "--data-root",
            str(root / "d-root"),
            "--exec-root",
            str(root / "d-exec"),
            "--host",
            f"unix://{dsock}",
            "--containerd",
            csock,
            "--storage-driver",
            driver,
            "--iptables=false",
            "--ip-masq=false",
            "--bridge=none",
            "--pidfile",
            str(root / "d.pid"),
        ],
        root / "dockerd.log",
    )
    procs.append(dproc)
    _wait(lambda: _ping(dsock), dproc, f"dockerd ({driver})", 60, root / "dockerd.log")
    engine = Engine(host=f"unix://{dsock}", containerd_sock=csock, driver=driver)
    engine.docker("info", timeout=30)
    return engine


@pytest.fixture(scope="session")
def workdir():
    """A short private directory (unix socket paths must stay under 108 bytes); kept for a
    look afterwards when ``LSRT_KEEP=1``."""
    path = Path(tempfile.mkdtemp(prefix="lsrt-", dir="/tmp"))
    yield path
    if os.environ.get("LSRT_KEEP") != "1":
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def any_engine(workdir: Path) -> Iterator[Engine]:
    """containerd + dockerd on private sockets under ``workdir``, stopped on exit; overlay2 first,
    vfs when overlay mounts cannot work here.  Skips (with the reason) when neither starts."""
    procs: list[subprocess.Popen] = []
    reasons = []
    found = None
    for driver in ("overlay2", "vfs"):
        try:
            found = _start_engine(workdir / f"engine-{driver}", driver, procs)
            break
        except ToolError as e:
            reasons.append(f"{driver}: {e}")
            for p in reversed(procs):
                _stop(p)
            procs.clear()
    try:
        if found is None:
            pytest.skip("no Docker engine could start here — " + "; ".join(reasons))
        yield found
    finally:
        for p in reversed(procs):
            _stop(p)


@pytest.fixture(scope="session")
def engine(workdir: Path) -> Iterator[Engine]:
    """The session's engine (:func:`any_engine`), torn down after the session."""
    with any_engine(workdir) as found:
        yield found


# ---------------------------------------------------------------------------------- the corpus


@dataclass
class Variant:
    """One saved archive or layout directory of the corpus.

    ``dive_reads`` is true when dive reads it deterministically (it has a ``manifest.json``);
    otherwise ``sibling`` names the dive-readable variant holding the same image.
    """

    path: str | None = None
    dive_reads: bool = False
    sibling: str | None = None
    image: str = ""
    reason: str = ""


@dataclass
class Corpus:
    root: Path
    variants: dict[str, Variant] = field(default_factory=dict)
    engine: Engine | None = None
    engine_reason: str = ""
    tags: dict[str, str] = field(default_factory=dict)  # image -> engine tag

    def get(self, key: str) -> Variant:
        v = self.variants.get(key)
        if v is None or v.path is None:
            reason = v.reason if v else "variant was not produced"
            UNAVAILABLE[key] = reason
            pytest.skip(f"{key}: {reason}")
        return v

    def add(self, key: str, image: str, fn, *, dive_reads: bool, sibling: str | None = None) -> None:
        """Produce one variant with ``fn() -> path``; a :class:`ToolError` records the reason."""
        try:
            path = fn()
            self.variants[key] = Variant(path=path, dive_reads=dive_reads, sibling=sibling, image=image)
        except ToolError as e:
            self.variants[key] = Variant(reason=str(e), image=image, sibling=sibling)


def make_context(root: Path, name: str, busybox: str) -> Path:
    ctx = root / "ctx" / name
    ctx.mkdir(parents=True)
    shutil.copy2(busybox, ctx / "busybox")
    (ctx / "Dockerfile").write_text(DOCKERFILES[name])
    if name == "pyapp":
        _unpack_wheels(root, ctx / "site-packages")
        (ctx / "app.py").write_text(APP_PY)
    return ctx


def _unpack_wheels(root: Path, dest: Path) -> None:
    """``pip download`` small pure-Python wheels and unpack them as pip would install them."""
    wheels = root / "wheels"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(wheels),
            *WHEELS,
        ],
        timeout=180,
    )
    dest.mkdir(parents=True)
    for whl in sorted(wheels.glob("*.whl")):
        with zipfile.ZipFile(whl) as z:
            z.extractall(dest)
    if not any(dest.iterdir()):
        raise ToolError("pip download produced no wheels")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolError(f"{name} is not installed (.ci/run installs it with apt-get)")
    return path


def _skopeo(src: str, dst: str) -> None:
    run([_tool("skopeo"), "--insecure-policy", "copy", "-q", src, dst])


def _containers_args(root: Path, tool: str) -> list[str]:
    """Private vfs storage for buildah / podman: no overlay mounts, nothing shared."""
    store = root / tool
    args = [_tool(tool), "--root", str(store / "root"), "--runroot", str(store / "run"), "--storage-driver", "vfs"]
    if tool == "podman":
        args += ["--cgroup-manager", "cgroupfs", "--events-backend", "file", "--tmpdir", str(store / "tmp")]
    return args


def _docker_variants(c: Corpus, name: str, ctx: Path) -> None:
    out = c.root / "out"
    tag = f"lsrt-{name}:latest"
    save = str(out / f"{name}.docker-save.tar")

    def build_and_save() -> str:
        if c.engine is None:
            raise ToolError(c.engine_reason)
        c.engine.docker("build", "-q", "-t", tag, str(ctx))
        c.engine.docker("save", "-o", save, tag)
        c.tags[name] = tag
        return save

    c.add(f"{name}/docker-save", name, build_and_save, dive_reads=True)
    have_save = c.variants[f"{name}/docker-save"].path is not None
    sib = f"{name}/docker-save"

    def needs_save() -> None:
        if not have_save:
            raise ToolError("no docker save of this image: " + c.variants[sib].reason)

    def ctr_export() -> str:
        needs_save()
        ctr = [_tool("ctr"), "-a", c.engine.containerd_sock, "-n", "lsrt"]
        run([*ctr, "image", "import", "--all-platforms", save])
        dst = str(out / f"{name}.ctr-export.tar")
        run([*ctr, "image", "export", dst, f"docker.io/library/{tag}"])
        return dst

    c.add(f"{name}/ctr-export", name, ctr_export, dive_reads=True)

    def skopeo_to(kind: str) -> str:
        needs_save()
        dst = str(out / f"{name}.skopeo-{kind}")
        ref = {
            "docker-archive": f"docker-archive:{dst}:{tag}",
            "oci-archive": f"oci-archive:{dst}:latest",
            "oci-dir": f"oci:{dst}:latest",
        }[kind]
        _skopeo(f"docker-archive:{save}", ref)
        return dst

    c.add(f"{name}/skopeo-docker-archive", name, lambda: skopeo_to("docker-archive"), dive_reads=True)
    c.add(f"{name}/skopeo-oci-archive", name, lambda: skopeo_to("oci-archive"), dive_reads=False, sibling=sib)
    c.add(f"{name}/skopeo-oci-dir", name, lambda: skopeo_to("oci-dir"), dive_reads=False, sibling=sib)


def _buildah_variants(c: Corpus, name: str, ctx: Path) -> None:
    out = c.root / "out"
    ref = f"localhost/lsrt-{name}:latest"
    built: dict[str, str] = {}

    def build() -> None:
        if "err" in built:
            raise ToolError(built["err"])
        if "ok" not in built:
            try:
                run(
                    [
                        *_containers_args(c.root, "buildah"),
                        "bud",
                        "--isolation",
                        "chroot",
                        "--layers",
                        "-q",
                        "-t",
                        ref,
                        str(ctx),
                    ]
                )
                built["ok"] = ref
            except ToolError as e:
                built["err"] = str(e)
                raise

    def push(kind: str) -> str:
        build()
        dst = str(out / f"{name}.buildah-{kind}")
        target = {
            "docker-archive": f"docker-archive:{dst}:{ref}",
            "oci-archive": f"oci-archive:{dst}:latest",
            "oci-dir": f"oci:{dst}:latest",
        }[kind]
        run([*_containers_args(c.root, "buildah"), "push", "-q", ref, target])
        return dst

    sib = f"{name}/buildah-docker-archive"
    c.add(sib, name, lambda: push("docker-archive"), dive_reads=True)
    c.add(f"{name}/buildah-oci-archive", name, lambda: push("oci-archive"), dive_reads=False, sibling=sib)
    c.add(f"{name}/buildah-oci-dir", name, lambda: push("oci-dir"), dive_reads=False, sibling=sib)


def _podman_variants(c: Corpus, name: str, ctx: Path) -> None:
    out = c.root / "out"
    ref = f"localhost/lsrt-{name}:latest"
    built: dict[str, str] = {}

    def save(fmt: str) -> str:
        if "err" in built:
            raise ToolError(built["err"])
        if "ok" not in built:
            try:
                run([*_containers_args(c.root, "podman"), "build", "--isolation", "chroot", "-q", "-t", ref, str(ctx)])
                built["ok"] = ref
            except ToolError as e:
                built["err"] = str(e)
                raise
        dst = str(out / f"{name}.podman-{fmt}")
        run([*_containers_args(c.root, "podman"), "save", "-q", "--format", fmt, "-o", dst, ref])
        return dst

    sib = f"{name}/podman-docker-archive"
    c.add(sib, name, lambda: save("docker-archive"), dive_reads=True)
    for fmt in ("oci-archive", "oci-dir", "docker-dir"):
        c.add(f"{name}/podman-{fmt}", name, lambda fmt=fmt: save(fmt), dive_reads=False, sibling=sib)


UMOCI_EDIT = "edits"


def _umoci_variants(c: Corpus) -> None:
    """Unpack the skopeo ``oci:`` copy of ``edits`` with umoci, change the rootfs (delete a
    file, a directory, chmod, add files), and repack: umoci writes its own whiteouts."""
    src = c.variants.get(f"{UMOCI_EDIT}/skopeo-oci-dir")
    out = c.root / "out"
    layout = str(out / "umoci-layout")
    sib = "umoci/docker-archive"

    def repack() -> str:
        if src is None or src.path is None:
            raise ToolError("no oci: directory to start from: " + (src.reason if src else "not produced"))
        umoci = _tool("umoci")
        shutil.copytree(src.path, layout)
        bundle = out / "umoci-bundle"
        run([umoci, "unpack", "--image", f"{layout}:latest", str(bundle)])
        rootfs = bundle / "rootfs"
        (rootfs / "y").unlink()
        shutil.rmtree(rootfs / "data" / "keep")
        os.chmod(rootfs / "cfg" / "n", 0o640)
        (rootfs / "added").write_bytes(b"umoci" * 1000)
        (rootfs / "cfg" / "more").write_text("more\n")
        run([umoci, "repack", "--image", f"{layout}:edited", str(bundle)])
        run([umoci, "config", "--image", f"{layout}:edited", "--tag", "edited", "--config.user", "0:0"])
        run([umoci, "rm", "--image", f"{layout}:latest"])  # one image left: no selector needed
        run([umoci, "gc", "--layout", layout])
        return layout

    def to_docker_archive() -> str:
        v = c.variants["umoci/oci-dir"]
        if v.path is None:
            raise ToolError(v.reason)
        dst = str(out / "umoci.docker-archive.tar")
        _skopeo(f"oci:{v.path}:edited", f"docker-archive:{dst}:lsrt-umoci:latest")
        return dst

    c.add("umoci/oci-dir", "umoci", repack, dive_reads=False, sibling=sib)
    c.add(sib, "umoci", to_docker_archive, dive_reads=True)


def variant_keys() -> list[str]:
    """Every variant the corpus tries to make (known at collection time for parametrizing)."""
    keys = []
    for name in DOCKERFILES:
        keys += [
            f"{name}/{k}"
            for k in ("docker-save", "ctr-export", "skopeo-docker-archive", "skopeo-oci-archive", "skopeo-oci-dir")
        ]
        keys += [f"{name}/buildah-{k}" for k in ("docker-archive", "oci-archive", "oci-dir")]
        keys += [f"{name}/podman-{k}" for k in ("docker-archive", "oci-archive", "oci-dir", "docker-dir")]
    keys += ["umoci/oci-dir", "umoci/docker-archive"]
    return keys


@pytest.fixture(scope="session")
def corpus(workdir: Path, request) -> Corpus:
    """Build every image with every tool and save it every way; reasons kept for what failed."""
    c = Corpus(root=workdir / "corpus")
    (c.root / "out").mkdir(parents=True)
    busybox = static_busybox()
    try:
        c.engine = request.getfixturevalue("engine")
    except pytest.skip.Exception as e:
        c.engine_reason = str(e)
    for name in DOCKERFILES:
        if busybox is None:
            reason = "no static busybox binary (Debian: busybox-static) to start images from"
        else:
            try:
                ctx = make_context(c.root, name, busybox)
                reason = ""
            except ToolError as e:
                reason = f"cannot prepare the build context: {e}"
        if reason:
            for key in variant_keys():
                if key.startswith(name + "/"):
                    c.variants[key] = Variant(reason=reason, image=name)
            continue
        _docker_variants(c, name, ctx)
        _buildah_variants(c, name, ctx)
        _podman_variants(c, name, ctx)
    _umoci_variants(c)
    summary = {k: (v.path and "ok") or v.reason for k, v in c.variants.items()}
    (c.root / "summary.json").write_text(json.dumps(summary, indent=1))
    return c


def pytest_terminal_summary(terminalreporter) -> None:
    """Skips of this corpus are never silent: each missing variant and its reason is printed,
    even under ``-q`` without ``-rs``."""
    if UNAVAILABLE:
        terminalreporter.section("realtools: variants not available here")
        for key, reason in sorted(UNAVAILABLE.items()):
            terminalreporter.write_line(f"{key}: {reason}")
