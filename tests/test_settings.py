"""One run reads its ``.dive.yaml`` once, and the explorer gets typed settings built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

import layerscope.config as config_module
from layerscope.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = str(ROOT / "fixtures" / "demo.tar")


@pytest.fixture
def reads(tmp_path, monkeypatch):
    """A config file dive would find (``~/.dive.yaml``), and a count of its reads."""
    for var in ("CI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".dive.yaml").write_text("filetree:\n  sort: size\n  show-attributes: false\n")
    count = []
    real = config_module._read_yaml

    def counting(path):  # noqa: ANN001, ANN202
        count.append(path)
        return real(path)

    monkeypatch.setattr(config_module, "_read_yaml", counting)
    return count


@pytest.mark.parametrize(
    "argv",
    [
        ["--ci", DEMO],
        ["--json", "out.json", DEMO],
        ["report", DEMO, "-q"],
        ["explain", DEMO, "-q"],
        ["diff", DEMO, DEMO, "-q", "--no-step-summary"],
    ],
)
def test_config_is_read_once_per_run(reads, argv, tmp_path, capsys):
    assert main(argv) in (0, 1)
    assert reads == [str(tmp_path / ".dive.yaml")]


def test_the_explorer_gets_typed_settings_from_flags_and_config(reads, tmp_path, monkeypatch):
    import layerscope.ui.app as app_module
    from layerscope.settings import ExploreSettings

    got = []
    monkeypatch.setattr(app_module, "explore", lambda settings: got.append(settings) or 0)
    assert main([DEMO, "--lowestEfficiency", "0.5", "--ci-config", "r.yaml", "--no-cache", "--platform", "x/y"]) == 0
    (s,) = got
    assert isinstance(s, ExploreSettings) and (s.source, s.image_arg) == ("docker-archive", DEMO)
    assert (s.ui.sort, s.ui.show_attributes, s.ui.path) == ("size", False, str(tmp_path / ".dive.yaml"))
    assert s.rules.ci_config == "r.yaml" and s.rules.flags["lowestEfficiency"] == "0.5"
    assert (s.read.cache, s.read.platform, s.read.hash_content) == (False, "x/y", True)
    assert reads == [str(tmp_path / ".dive.yaml")]


def test_sort_flag_overrides_the_config(reads, monkeypatch):
    import layerscope.ui.app as app_module

    got = []
    monkeypatch.setattr(app_module, "explore", lambda settings: got.append(settings) or 0)
    main([DEMO, "--sort", "name"])
    assert got[0].ui.sort == "name"


def test_ci_settings_never_hash_content(reads, monkeypatch):
    import layerscope.ci.run as run_module

    got = []
    monkeypatch.setattr(run_module, "run", lambda settings, **kw: got.append(settings) or run_module.CiOutcome(0))
    assert main(["--ci", "--no-cache", DEMO]) == 0
    assert got[0].read.hash_content is False and got[0].read.cache is False and got[0].ci
