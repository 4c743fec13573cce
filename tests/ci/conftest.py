"""Run the top-level CLI in CI mode in a scratch cwd (``.dive-ci`` is read from the cwd)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fixtures import waste_cases
from fixtures.imagegen import write_docker_save


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def ci(tmp_path, monkeypatch, capsys):
    """``ci(*argv, dive_ci=TEXT)`` → Run; the image is ``img.tar`` (the realistic waste case)."""
    for var in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    write_docker_save(tmp_path / "img.tar", waste_cases.realistic().spec)

    def _run(*argv: str, dive_ci: str | None = None, env: dict[str, str] | None = None) -> Run:
        from layerscope.cli import main

        if dive_ci is None:
            (tmp_path / ".dive-ci").unlink(missing_ok=True)
        else:
            (tmp_path / ".dive-ci").write_text(dive_ci)
        with monkeypatch.context() as m:
            for k, v in (env or {}).items():
                m.setenv(k, v)
            capsys.readouterr()
            code = main(list(argv))
            cap = capsys.readouterr()
        return Run(code, cap.out, cap.err)

    return _run
