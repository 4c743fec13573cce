"""The .dive.yaml loader: dive's search order, layerscope names, env, validation."""

from __future__ import annotations

import os

import pytest

from layerscope.config import find_config, load_settings, parse_key_list
from layerscope.errors import ConfigError


def write(path, text: str) -> str:  # noqa: ANN001
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
    return str(path)


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    h.mkdir()
    return h


def test_no_config_gives_dive_defaults(home):
    s = load_settings(None, env={}, home=str(home))
    assert s.path is None and s.hide == frozenset() and s.collapse_dir is False
    assert s.pane_width == 0.5 and s.show_attributes is True and s.aggregated is False
    assert s.sort == "name" and s.keybindings == {}


def test_search_order(tmp_path, home):
    xdg_home = tmp_path / "xdg"
    xdg_dir1, xdg_dir2 = tmp_path / "d1", tmp_path / "d2"
    env = {"XDG_CONFIG_HOME": str(xdg_home), "XDG_CONFIG_DIRS": f"{xdg_dir1}:{xdg_dir2}"}
    dot = write(home / ".dive.yaml", "")
    assert find_config(None, env, str(home)) == dot
    ls_dot = write(home / ".layerscope.yaml", "")
    assert find_config(None, env, str(home)) == ls_dot  # layerscope name first
    cfg = write(home / ".config" / "dive" / "x.yml", "")
    assert find_config(None, env, str(home)) == cfg
    d2 = write(xdg_dir2 / "dive" / "a.yaml", "")
    assert find_config(None, env, str(home)) == d2
    write(xdg_dir1 / "dive" / "b.yaml", "")
    a1 = write(xdg_dir1 / "dive" / "a.yaml", "")
    write(xdg_dir1 / "dive" / "notes.txt", "")
    assert find_config(None, env, str(home)) == a1  # sorted, only .yaml/.yml
    h = write(xdg_home / "dive" / "z.yaml", "")
    assert find_config(None, env, str(home)) == h
    lh = write(xdg_home / "layerscope" / "z.yaml", "")
    assert find_config(None, env, str(home)) == lh
    explicit = write(tmp_path / "mine.yaml", "")
    assert find_config(explicit, env, str(home)) == explicit


def test_empty_xdg_does_not_search_cwd(tmp_path, home, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "dive" / "k8s.yaml", "diff: {hide: [bogus]}")
    assert find_config(None, {"XDG_CONFIG_HOME": "", "XDG_CONFIG_DIRS": ""}, str(home)) is None


def test_missing_explicit_config_is_an_error(tmp_path, home):
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(str(tmp_path / "nope.yaml"), env={}, home=str(home))


def test_all_keys(tmp_path, home):
    cfg = write(
        tmp_path / "c.yaml",
        """
diff:
  hide: [added, Removed]
filetree:
  collapse-dir: true
  pane-width: 0.7
  show-attributes: false
  sort: size
layer:
  show-aggregated-changes: true
keybinding:
  quit: ctrl+q
  toggle-unchanged-files: ctrl+x,x
unknown-key: 1
log: {enabled: true, path: ./x.log}
""",
    )
    s = load_settings(cfg, env={}, home=str(home))
    assert s.path == cfg and s.hide == {"added", "removed"} and s.collapse_dir is True
    assert s.pane_width == 0.7 and s.show_attributes is False and s.aggregated is True and s.sort == "size"
    assert s.keybindings == {"quit": "ctrl+q", "toggle-unmodified-files": "ctrl+x,x"}


def test_env_overrides_file_and_flag_overrides_all(tmp_path, home):
    cfg = write(tmp_path / "c.yaml", "filetree: {show-attributes: true, sort: size}\n")
    env = {
        "DIVE_FILETREE_SHOW_ATTRIBUTES": "false",
        "DIVE_DIFF_HIDE": "unmodified,modified",
        "DIVE_LAYER_SHOW_AGGREGATED_CHANGES": "1",
        "DIVE_KEYBINDING_QUIT": "ctrl+q",
    }
    s = load_settings(cfg, env=env, home=str(home), sort_flag="name")
    assert s.show_attributes is False and s.hide == {"unmodified", "modified"} and s.aggregated is True
    assert s.sort == "name" and s.keybindings["quit"] == "ctrl+q"
    s2 = load_settings(cfg, env={"LAYERSCOPE_FILETREE_SORT": "name", "DIVE_FILETREE_SORT": "size"}, home=str(home))
    assert s2.sort == "name"


@pytest.mark.parametrize(
    "text,key",
    [
        ("diff: {hide: [added, sideways]}", "diff.hide"),
        ("filetree: {collapse-dir: maybe}", "filetree.collapse-dir"),
        ("filetree: {pane-width: 1.5}", "filetree.pane-width"),
        ("filetree: {pane-width: wide}", "filetree.pane-width"),
        ("filetree: {show-attributes: 2}", "filetree.show-attributes"),
        ("filetree: {sort: random}", "filetree.sort"),
        ("layer: {show-aggregated-changes: yes please}", "layer.show-aggregated-changes"),
        ("keybinding: {quit: 'hyper+q'}", "keybinding.quit"),
        ("keybinding: {quit: ''}", "keybinding.quit"),
    ],
)
def test_bad_values_name_the_key(tmp_path, home, text, key):
    cfg = write(tmp_path / "c.yaml", text)
    with pytest.raises(ConfigError) as e:
        load_settings(cfg, env={}, home=str(home))
    assert key in str(e.value) and "\n" not in str(e.value)


def test_bad_env_value_names_the_key(home):
    with pytest.raises(ConfigError, match="filetree.collapse-dir"):
        load_settings(None, env={"DIVE_FILETREE_COLLAPSE_DIR": "perhaps"}, home=str(home))


def test_yaml_syntax_error_is_one_line(tmp_path, home):
    cfg = write(tmp_path / "c.yaml", "filetree: [unclosed\n")
    with pytest.raises(ConfigError) as e:
        load_settings(cfg, env={}, home=str(home))
    assert "c.yaml" in str(e.value) and "\n" not in str(e.value)


def test_non_mapping_config(tmp_path, home):
    cfg = write(tmp_path / "c.yaml", "- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(cfg, env={}, home=str(home))


def test_empty_config_file(tmp_path, home):
    cfg = write(tmp_path / "c.yaml", "")
    assert load_settings(cfg, env={}, home=str(home)).path == cfg


def test_key_syntax():
    assert parse_key_list("ctrl+c,q") == ["ctrl+c", "q"]
    assert parse_key_list("ctrl+f, ctrl+slash") == ["ctrl+f", "ctrl+slash", "ctrl+underscore"]
    assert parse_key_list("pgup,u") == ["pageup", "u"]
    assert parse_key_list("pgdn,d") == ["pagedown", "d"]
    assert parse_key_list("esc") == ["escape"]
    assert parse_key_list("ctrl+m") == ["ctrl+m", "enter"]
    assert parse_key_list("/") == ["slash"]
    assert parse_key_list("N") == ["N"]
    for bad in ("ctrl+", "hyper+x", "ctrl+ab", "nosuchkey"):
        with pytest.raises(ValueError):
            parse_key_list(bad)


# ------------------------------------------------------------------ bounds (the file is untrusted)
def _mapping_bomb(levels: int = 6, width: int = 9) -> str:
    """Nested mappings through aliases: ``width ** levels`` keys after flattening."""
    keys = [f"k{i}" for i in range(width)]
    lines = ["m0: &m0 {" + ", ".join(f"{k}: 1" for k in keys) + "}"]
    for i in range(1, levels + 1):
        lines.append(f"m{i}: &m{i} {{" + ", ".join(f"{k}: *m{i - 1}" for k in keys) + "}")
    return "\n".join(lines) + "\nfiletree: {sort: size}\n"


@pytest.mark.parametrize(
    "text, needle",
    [
        (_mapping_bomb(), "line 4: document contains excessive aliasing"),
        ("filetree: " + "[" * 100_000 + "\n", "line 1: nested deeper than 64 levels"),
        ("filetree: {sort: size}\n" + "# padding\n" * 200_000, "larger than 1024 KiB"),
    ],
    ids=["alias-bomb", "deep", "big"],
)
def test_hostile_yaml_is_one_located_line(tmp_path, home, text, needle):
    cfg = write(tmp_path / "c.yaml", text)
    with pytest.raises(ConfigError) as e:
        load_settings(cfg, env={}, home=str(home))
    msg = str(e.value)
    assert msg.startswith(f"config file {cfg}") and needle in msg and "\n" not in msg


def test_small_aliases_are_fine(tmp_path, home):
    cfg = write(tmp_path / "c.yaml", "common: &c {sort: size, show-attributes: false}\nfiletree:\n  <<: *c\n")
    s = load_settings(cfg, env={}, home=str(home))
    assert s.sort == "size" and s.show_attributes is False


def test_5000_digit_number_names_the_key(tmp_path, home):
    """Python cannot even convert 5000 digits to int (ValueError); the key is reported instead."""
    cfg = write(tmp_path / "c.yaml", f"filetree: {{pane-width: {'1' * 5000}}}\n")
    with pytest.raises(ConfigError, match="invalid value for filetree.pane-width"):
        load_settings(cfg, env={}, home=str(home))
