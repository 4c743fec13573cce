"""The ``layerscope:`` section of ``.dive-ci``: parsing, verdicts, and dive's text left intact.

The image is ``waste_cases.realistic()``; every threshold below is checked against numbers
taken from its generator inputs: layer 1 stores 46,613,068 bytes (apt step), the image
67,120,104, the only dead bytes are the 5,000,000-byte archive under /tmp, and the only
``*.whl`` is the pip-cache wheel of layer 3.
"""

from __future__ import annotations

import pytest

from fixtures import waste_cases
from fixtures.imagegen import layer_size
from layerscope.ci.extra_rules import parse_section

SPEC = waste_cases.realistic().spec
LAYER1 = layer_size(SPEC.layers[1])
IMAGE = sum(layer_size(layer) for layer in SPEC.layers)
RULES = "rules:\n  lowestEfficiency: 0.5\n"


def test_inputs_are_what_the_docstring_says():
    assert (LAYER1, IMAGE) == (46_613_068, 67_120_104)


def test_no_section_means_dive_output_only(ci):
    plain = ci("--ci", "img.tar", dive_ci=RULES)
    assert plain.code == 0
    assert "layerscope" not in plain.out and plain.err == ""
    assert plain.out.endswith("[Skipped:1]\x1b[0m\n\n")


def test_section_appends_after_dive_unchanged(ci):
    plain = ci("--ci", "img.tar", dive_ci=RULES)
    section = (
        f"layerscope:\n  maxImageSize: {IMAGE}\n  maxLayerSize: {LAYER1 - 1}\n"
        "  maxWastedBytesAccurate: 5MB\n  forbid: ['*.whl', .env]\n"
    )
    r = ci("--ci", "img.tar", dive_ci=RULES + section)
    head = plain.out.replace("  Using CI config: .dive-ci\n", "")
    assert r.out.replace("  Using CI config: .dive-ci\n", "").startswith(head)
    tail = r.out[len(plain.out) :]
    assert tail == (
        "\x1b[1mlayerscope rules:\x1b[0m\n"
        "  wastedBytesAccurate: 5000000 bytes (5.0 MB)\n"
        "  \x1b[1;7;31mFAIL\x1b[0m: forbid: forbidden paths in the image: "
        "/root/.cache/pip/wheels/aa/app-1.0-py3-none-any.whl (layer 3)\n"
        "  PASS: maxImageSize\n"
        f"  \x1b[1;7;31mFAIL\x1b[0m: maxLayerSize: layers too large: layer 1 (size={LAYER1}) > threshold={LAYER1 - 1}\n"
        "  PASS: maxWastedBytesAccurate\n"
        "\x1b[31mResult:FAIL [Total:4] [Passed:2] [Failed:2] [Skipped:0]\x1b[0m\n"
    )
    assert r.code == 1 and plain.code == 0


def test_passing_section_keeps_exit_0_and_equal_passes(ci):
    r = ci(
        "--ci",
        "img.tar",
        dive_ci=RULES + f"layerscope:\n  maxImageSize: {IMAGE}\n  maxLayerSize: {LAYER1}\n"
        "  maxWastedBytesAccurate: 5000000\n  forbid: ['*.pem']\n",
    )
    assert r.code == 0 and "Result:PASS [Total:4] [Passed:4]" in r.out


def test_ignore_excludes_paths_from_accurate_waste_only(ci):
    r = ci("--ci", "img.tar", dive_ci=RULES + "layerscope:\n  ignore: ['/tmp/**']\n  maxWastedBytesAccurate: 0\n")
    assert r.code == 0
    assert "wastedBytesAccurate: 0 bytes (0 B), ignoring 5000000 bytes matched by ignore" in r.out
    assert "wastedBytes: 5000000 bytes (5.0 MB)" in r.out  # dive's figure is untouched
    r = ci("--ci", "img.tar", dive_ci=RULES + "layerscope:\n  maxWastedBytesAccurate: 0\n")
    assert r.code == 1 and "(wasted-bytes=5000000 > threshold=0)" in r.out


def test_forbid_sees_files_deleted_later(ci):
    r = ci("--ci", "img.tar", dive_ci=RULES + "layerscope:\n  forbid: 'app-*.tar.gz'\n")
    assert r.code == 1 and "/tmp/app-1.0.tar.gz (layer 2)" in r.out


def test_dive_failure_and_extra_pass_still_exit_1(ci):
    r = ci("--ci", "img.tar", "--lowestEfficiency", "0.99", dive_ci="layerscope:\n  maxImageSize: 1GB\n")
    assert r.code == 1 and "Result:PASS [Total:1] [Passed:1]" in r.out


@pytest.mark.parametrize(
    "section,key,message",
    [
        ("maxImageSize: lots", "maxImageSize", "invalid config value ('lots')"),
        ("maxLayerSize: -5", "maxLayerSize", "strconv.ParseFloat"),
        ("maxImageSzie: 1GB", "maxImageSzie", "unknown key"),
        ("forbid: {a: 1}", "forbid", "expected a glob or a list of globs"),
        ("ignore: ['/tmp/[x']", "ignore", "unterminated character class"),
    ],
)
def test_misconfiguration_exits_1_with_its_own_line(ci, section, key, message):
    r = ci("--ci", "img.tar", dive_ci=RULES + "layerscope:\n  " + section + "\n")
    assert r.code == 1
    line = next(lay for lay in r.out.splitlines() if f": {key}:" in lay)
    assert "MISCONFIGURED" in line and message in line
    assert "layerscope rules misconfigured" in r.out


def test_disabled_and_case_insensitive_keys():
    s = parse_section({"LayerScope": {"MAXIMAGESIZE": "disabled", "maxlayersize": 10, "Forbid": []}})
    assert s is not None and not s.problems
    assert s.values == {"maxImageSize": "disabled", "maxLayerSize": "10"} and s.forbid == []
    assert parse_section({"rules": {}}) is None and parse_section(None) is None


def test_json_export_skips_all_rules(ci, tmp_path):
    r = ci("--ci", "img.tar", "--json", "out.json", dive_ci="layerscope:\n  maxImageSize: 1\n")
    assert r.code == 0 and "layerscope rules" not in r.out
