"""The engine source against a fake Docker API that answers a pull with garbage: every shape
of bad progress stream is a located one-line error (exit 2), never a traceback or "internal
error"."""

from __future__ import annotations

import json
import re

import pytest

from layerscope.cli import main

from .evil import EvilServer, chunked, send

API = "1.41"


@pytest.fixture
def fake_engine(docker_config, monkeypatch):
    server = EvilServer().start()
    server.routes["/version"] = lambda h: send(
        h, 200, json.dumps({"ApiVersion": API, "MinAPIVersion": "1.24", "Version": "24.0.0"}).encode()
    )
    server.routes[f"/v{API}/images/ghost:latest/json"] = lambda h: send(h, 404, b'{"message":"No such image"}')
    server.routes[f"/v{API}/images/ghost:latest/get"] = lambda h: send(h, 404, b'{"message":"No such image"}')
    monkeypatch.setenv("DOCKER_HOST", f"tcp://{server.host}")
    yield server
    server.stop()


def run(capsys, server, parts: list[bytes]) -> tuple[str, str]:
    """(the error line, all of stderr) of analyzing an image the fake engine must pull."""
    server.routes[f"/v{API}/images/create"] = lambda h: chunked(h, parts)
    assert main(["docker://ghost:latest", "--ci"]) == 2
    stderr = capsys.readouterr().err
    err = [ln for ln in stderr.strip().splitlines() if not ln.startswith(("Image ", "  "))]
    assert len(err) == 1 and err[0].startswith("layerscope: "), err
    assert "internal error" not in err[0]
    return err[0], stderr


@pytest.mark.parametrize(
    "parts, pattern",
    [
        (
            [b'{"status":"Pulling"}\r\n', b"<html>proxy error</html>\r\n"],
            r"pull of ghost:latest: line 2 of the Docker daemon's progress is not JSON: '<html>proxy error</html>'",
        ),
        ([b"not json at all"], r"line 1 of the Docker daemon's progress is not JSON"),
        ([b"[1, 2]\n"], r"line 1 of the Docker daemon's progress is a JSON list, not an object"),
        ([b"\xff\xfe\n"], r"line 1 of the Docker daemon's progress is not UTF-8"),
        ([b"x" * (1 << 20), b"x" * (1 << 20)], r"line 1 of the Docker daemon's progress is longer than 1 MiB"),
        (
            [b'{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\r\n'],
            r"cannot pull ghost:latest: manifest unknown$",
        ),
        ([b'{"error":{"code":7,"message":"denied: \\u001b[31mno"}}\n'], r"cannot pull ghost:latest: denied: \[31mno$"),
        ([b'{"error":{"code":7}}\n'], r'cannot pull ghost:latest: \{"code": 7\}$'),
        ([b'{"status":"Downloading","id":17}\n{"status":["a"]}\n'], r"cannot save ghost:latest: No such image$"),
    ],
)
def test_garbage_pull_output_is_a_located_error(fake_engine, capsys, parts, pattern):

    err, _ = run(capsys, fake_engine, parts)
    assert re.search(pattern, err), err


def test_pull_status_lines_are_printable(fake_engine, capsys):
    _, stderr = run(capsys, fake_engine, [b'{"status":"\\u001b]0;owned\\u0007Pulling","id":"abc"}\n'])
    assert "]0;owned" in stderr and "\x1b" not in stderr and "\x07" not in stderr


def test_unchunked_garbage_pull_answer_is_a_located_error(fake_engine, capsys):
    """An answer without chunked encoding reaches the parser as one text, not as chunks."""
    fake_engine.routes[f"/v{API}/images/create"] = lambda h: send(h, 200, b"<html>gateway</html>")
    assert main(["docker://ghost:latest", "--ci"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.search(r"pull of ghost:latest: line 1 of the Docker daemon's progress is not JSON", err), err
