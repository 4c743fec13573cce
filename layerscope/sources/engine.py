"""The Docker engine source (``docker://NAME``, ``--source docker``, dive's default).

As dive does: inspect the image, pull it when the engine does not have it, then stream
``image save`` straight into the archive reader.  Differences from dive, each on purpose:

* the pull goes through the engine API (the docker SDK) rather than a ``docker`` binary, so
  only a reachable engine is needed; its progress goes to stderr, never to stdout (which CI
  mode and ``--json -`` keep clean);
* contexts are resolved here (:mod:`.contexts`), since the SDK ignores them;
* the save request has no read timeout: a multi-gigabyte save can pause for minutes while the
  engine compresses or exports, and the SDK's 60 s default would abort it half way.

The same code serves podman's Docker-compatible API socket (``CONTAINER_HOST``).
"""

from __future__ import annotations

import errno
import json
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import LayerscopeError
from ..image import Image
from .archive import ReadOptions, ReadState, state_for
from .contexts import EngineEndpoint, resolve_endpoint
from .registry import server_text
from .stream import ChunkReader, read_stream

CONNECT_TIMEOUT = 60  # seconds for API calls other than the save stream
SAVE_CHUNK = 1 << 20
MAX_PROGRESS_LINE = 1 << 20  # a pull progress message is a few hundred bytes
_ID_RE = re.compile(r"^(sha256:)?[0-9a-f]{12,64}$")


def _causes(e: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (requests/urllib3 nest the OS error deeply)."""
    out, seen = [], set()
    stack: list[Any] = [e]
    while stack:
        x = stack.pop()
        if not isinstance(x, BaseException) or id(x) in seen:
            continue
        seen.add(id(x))
        out.append(x)
        stack.extend([x.__cause__, x.__context__, *getattr(x, "args", ())])
        reason = getattr(x, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    return out


def connection_error(e: BaseException, host: str, what: str = "Docker daemon") -> LayerscopeError:
    """One line a user can act on for a failure to reach the engine."""
    causes = _causes(e)
    text = " ".join(str(c) for c in causes)
    if any(isinstance(c, PermissionError) for c in causes) or "Permission denied" in text:
        return LayerscopeError(
            f"permission denied connecting to the {what} at {host}: add your user to the socket's "
            f"group (e.g. docker), use a rootless engine, or point DOCKER_HOST elsewhere"
        )
    refused = (
        any(isinstance(c, (FileNotFoundError, ConnectionRefusedError)) for c in causes)
        or any(getattr(c, "errno", None) in (errno.ENOENT, errno.ECONNREFUSED) for c in causes)
        or "Connection refused" in text
        or "No such file" in text
    )
    if refused:
        return LayerscopeError(f"cannot connect to the {what} at {host}: is it running?")
    if "SSL" in text or "certificate" in text.lower():
        return LayerscopeError(f"TLS failure connecting to the {what} at {host}: {_short(text)}")
    return LayerscopeError(f"cannot connect to the {what} at {host}: {_short(text)}")


def _short(text: str) -> str:
    m = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if m:
        return m.group(1).strip()
    m = re.search(r"certificate verify failed: ([^(')]+)", text)
    if m:
        return "certificate verify failed: " + m.group(1).strip()
    return text[:200]


def open_client(ep: EngineEndpoint, what: str = "Docker daemon"):  # noqa: ANN201 - docker.APIClient
    """An API client for the endpoint, version negotiated (which also checks it is up)."""
    try:
        import docker
        from docker.tls import TLSConfig
    except ImportError as e:  # pragma: no cover - docker is a dependency
        raise LayerscopeError(f"the docker source needs the docker package: {e}") from None
    tls: Any = False
    if ep.tls:
        tls = TLSConfig(
            client_cert=ep.client_cert,
            ca_cert=ep.ca_cert if ep.tls_verify else None,
            verify=ep.ca_cert if ep.tls_verify else False,
        )
    try:
        return docker.APIClient(
            base_url=ep.host,
            version="auto",
            timeout=CONNECT_TIMEOUT,
            tls=tls,
            use_ssh_client=ep.host.startswith("ssh://"),
        )
    except docker.errors.TLSParameterError as e:
        raise LayerscopeError(f"TLS settings for {ep.host}: {e}") from None
    except docker.errors.DockerException as e:
        if "Invalid bind address" in str(e) or "Invalid" in str(e) and "host" in str(e).lower():
            raise LayerscopeError(f"invalid engine host {ep.host!r}: {e}") from None
        raise connection_error(e, ep.host, what) from None
    except Exception as e:  # noqa: BLE001 - requests/urllib3/ssh errors of every kind
        raise connection_error(e, ep.host, what) from None


def split_repo_tag(name: str) -> tuple[str, str | None]:
    """``repo[:tag][@digest]`` → (repo, tag or digest) for the pull API."""
    if "@" in name:
        repo, _, digest = name.partition("@")
        return repo, digest
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        repo, _, tag = name.rpartition(":")
        return repo, tag
    return name, "latest"


def _pull(client: Any, name: str, what: str) -> None:
    """Pull through the engine API, its progress on stderr (one line per change of a layer's
    status); the progress stream is parsed here, bounded, so an engine (or anything on its
    socket) sending garbage gets a located one-line error rather than a traceback."""
    import docker
    import requests

    repo, tag = split_repo_tag(name)
    print(f"Image {name} not found in the {what}; pulling it...", file=sys.stderr, flush=True)
    last: dict[str, str] = {}
    try:
        for ev in pull_events(client.pull(repo, tag=tag, stream=True, decode=False), f"pull of {name}", what):
            err = ev.get("error") or ev.get("errorDetail")
            if err:
                raise LayerscopeError(f"cannot pull {name}: {_event_error(err)}")
            status = server_text(str(ev.get("status") or ""), 100)
            key = server_text(str(ev.get("id") or ""), 80)
            if status and last.get(key) != status:  # one line per change, not per tick
                last[key] = status
                print(f"  {key + ': ' if key else ''}{status}", file=sys.stderr, flush=True)
    except docker.errors.NotFound as e:
        raise LayerscopeError(f"image not found: {name} ({_api_message(e)})") from None
    except docker.errors.APIError as e:
        raise LayerscopeError(f"cannot pull {name}: {_api_message(e)}") from None
    except (requests.exceptions.RequestException, OSError) as e:
        raise LayerscopeError(f"connection to the {what} lost while pulling {name}: {_short(str(e))}") from None


def pull_events(chunks: Iterable[bytes | str], where: str, what: str = "Docker daemon") -> Iterator[dict]:
    """The JSON objects of an engine's progress stream (one per line; several on a line are
    accepted), each line bounded by :data:`MAX_PROGRESS_LINE`.  Anything else is an error
    naming the line."""
    pending = b""
    lineno = 0
    for chunk in chunks:
        data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
            lineno += 1
            yield from _line_events(line, lineno, where, what)
        if len(pending) > MAX_PROGRESS_LINE:
            raise LayerscopeError(
                f"{where}: line {lineno + 1} of the {what}'s progress is longer than {MAX_PROGRESS_LINE >> 20} MiB"
            )
    if pending.strip():
        yield from _line_events(pending, lineno + 1, where, what)


def _line_events(line: bytes, lineno: int, where: str, what: str) -> Iterator[dict]:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise LayerscopeError(f"{where}: line {lineno} of the {what}'s progress is not UTF-8") from None
    decoder = json.JSONDecoder()
    pos, text = 0, text.strip()
    while pos < len(text):
        try:
            ev, end = decoder.raw_decode(text, pos)
        except ValueError:
            raise LayerscopeError(
                f"{where}: line {lineno} of the {what}'s progress is not JSON: {server_text(text[pos:], 60)!r}"
            ) from None
        if not isinstance(ev, dict):
            raise LayerscopeError(
                f"{where}: line {lineno} of the {what}'s progress is a JSON {type(ev).__name__}, not an object"
            )
        yield ev
        pos = end
        while pos < len(text) and text[pos] in " \t\r":
            pos += 1


def _event_error(err: Any) -> str:
    """The text of an ``error`` / ``errorDetail`` member, whatever its shape."""
    if isinstance(err, dict):
        err = err.get("message") or json.dumps(err)
    return server_text(str(err))


def _api_message(e: Any) -> str:
    explanation = getattr(e, "explanation", None)
    return " ".join(str(explanation or e).split())[:300]


def load_via_api(
    name: str,
    display: str,
    opts: ReadOptions,
    ep: EngineEndpoint,
    *,
    source: str = "docker",
    what: str = "Docker daemon",
    pull: bool = True,
    state: ReadState | None = None,
) -> Image:
    """Inspect → (pull) → stream ``image save`` from an engine API endpoint."""
    state = state_for(opts, state)
    import docker
    import requests

    client = open_client(ep, what)
    try:
        try:
            client.inspect_image(name)
        except docker.errors.ImageNotFound:
            if not pull or _ID_RE.match(name):
                raise LayerscopeError(f"image not found in the {what}: {name}") from None
            _pull(client, name, what)
        except docker.errors.APIError as e:
            raise LayerscopeError(f"cannot inspect {name}: {_api_message(e)}") from None
        except requests.exceptions.RequestException as e:
            raise connection_error(e, ep.host, what) from None
        client.timeout = None  # the save stream may pause for minutes; never time it out
        try:
            chunks = client.get_image(name, chunk_size=SAVE_CHUNK)
        except docker.errors.NotFound:
            raise LayerscopeError(f"image not found in the {what}: {name}") from None
        except docker.errors.APIError as e:
            raise LayerscopeError(f"cannot save {name}: {_api_message(e)}") from None
        except requests.exceptions.RequestException as e:
            raise connection_error(e, ep.host, what) from None

        def lost(e: BaseException) -> LayerscopeError:
            if isinstance(e, docker.errors.APIError):  # the status is checked on the first chunk
                return LayerscopeError(f"cannot save {name}: {_api_message(e)}")
            return LayerscopeError(f"connection to the {what} lost while saving {name}: {_short(str(e))}")

        reader = ChunkReader(
            iter(chunks), state.progress, lost, (docker.errors.APIError, requests.exceptions.RequestException, OSError)
        )
        try:
            return read_stream(reader.read, f"{source}://{name}", display, opts, source, state)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
    finally:
        client.close()


def load_from_engine(name: str, opts: ReadOptions, display: str | None = None, state: ReadState | None = None) -> Image:
    """The ``docker`` source: the engine named by DOCKER_HOST / the current context."""
    if not name:
        raise LayerscopeError("No image argument given")
    ep = resolve_endpoint()
    return load_via_api(name, display or name, opts, ep, state=state)
