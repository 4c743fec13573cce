"""Run the sub-commands the way the CLI does: an exit code, or one ``layerscope: msg`` line."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from layerscope.errors import LayerscopeError


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


@pytest.fixture
def run(capsys, monkeypatch):
    """``run("diff", *argv)``: the CLI's contract (one stderr line and exit 2 on bad input)."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    def _run(cmd: str, *argv: str) -> Run:
        if cmd == "diff":
            from layerscope.commands.diff import main
        else:
            from layerscope.commands.report import main
        capsys.readouterr()
        try:
            code = main(list(argv))
            err_line = ""
        except LayerscopeError as e:
            code, err_line = e.exit_code, f"layerscope: {e}\n"
        cap = capsys.readouterr()
        return Run(code, cap.out, cap.err + err_line)

    return _run
