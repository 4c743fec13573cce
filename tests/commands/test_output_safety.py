"""diff / report / explain: the terminal table survives any file change and any name, ``-o``
writes through the one safe writer, and error lines cannot drive the terminal."""

from __future__ import annotations

import os
import stat

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save

BASE = [M("app/a.txt", data=b"hello")]


@pytest.fixture
def pair(tmp_path):
    """HEAD adds an empty file (Δ 0) and files whose names hold markup and ESC sequences."""
    write_docker_save(tmp_path / "b.tar", ImageSpec([LayerSpec(BASE)]))
    write_docker_save(
        tmp_path / "h.tar",
        ImageSpec(
            [
                LayerSpec(BASE),
                LayerSpec(
                    [
                        M("app/empty", data=b""),
                        M("app/[bold]x[/] y", data=b"12"),
                        M("app/esc\x1b]0;t\x07z", data=b"123"),
                    ],
                    created_by="RUN touch [/] \x1b[2J",
                ),
            ]
        ),
    )
    return tmp_path


def test_diff_terminal_lists_zero_delta_change(pair, run):
    r = run("diff", str(pair / "b.tar"), str(pair / "h.tar"), "--no-step-summary")
    assert r.code == 0, r.err
    assert "File changes" in r.out
    row = next(ln for ln in r.out.splitlines() if "/app/empty" in ln)
    assert "0 B" in row


def test_diff_terminal_shows_names_literally(pair, run):
    r = run("diff", str(pair / "b.tar"), str(pair / "h.tar"), "--no-step-summary")
    assert r.code == 0, r.err
    assert "/app/[bold]x[/] y" in r.out
    assert "\x1b" not in r.out and "\x07" not in r.out
    assert "esc\\x1b]0;t\\x07z" in r.out and "touch [/] \\x1b[2J" in r.out


def test_diff_to_dev_full_fails(pair, run):
    r = run("diff", str(pair / "b.tar"), str(pair / "h.tar"), "--no-step-summary", "-o", "/dev/full")
    assert r.code == 2 and "cannot write /dev/full" in r.err


@pytest.mark.parametrize("cmd", [("diff", "b.tar", "h.tar", "--no-step-summary"), ("report", "h.tar")])
def test_output_keeps_mode_and_symlink(pair, run, cmd):
    target = pair / "real.txt"
    target.write_text("old")
    os.chmod(target, 0o600)
    link = pair / "link.txt"
    link.symlink_to(target)
    name, *rest = cmd
    r = run(name, *[str(pair / a) if a.endswith(".tar") else a for a in rest], "-o", str(link))
    assert r.code == 0, r.err
    assert link.is_symlink() and target.read_text() != "old"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_report_terminal_escapes_command(pair, run):
    r = run("report", str(pair / "h.tar"))
    assert r.code == 0 and "\x1b" not in r.out and "touch [/] \\x1b[2J" in r.out


def test_explain_text_escapes_names(pair, capsys):
    from layerscope.commands.explain import main

    capsys.readouterr()
    assert main([str(pair / "h.tar"), "--top", "0"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out


def test_explain_to_dev_full_fails(pair):
    from layerscope.commands.explain import main
    from layerscope.errors import LayerscopeError

    with pytest.raises(LayerscopeError) as e:
        main([str(pair / "h.tar"), "-o", "/dev/full"])
    assert e.value.exit_code == 2


def test_cli_error_line_is_escaped(tmp_path, capsys, monkeypatch):
    from layerscope.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CI", raising=False)
    code = main(["--ci", "docker-archive://nosuch\x1b]0;owned\x07.tar"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("layerscope: ")
    assert "\x1b" not in err and "\x07" not in err and "nosuch\\x1b]0;owned\\x07" in err
