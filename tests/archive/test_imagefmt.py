"""The typed image-format model: one set of checks for every source, worded per source, and
one platform type that parses, matches and prints the way ``--platform`` and the errors do."""

from __future__ import annotations

from typing import Any

import pytest

from layerscope.archive.imagefmt import (
    ARCHIVE_RULES,
    Descriptor,
    Index,
    Manifest,
    Platform,
    Where,
    decode_json,
    is_index_doc,
)
from layerscope.archive.resolve import pair_history
from layerscope.errors import ArchiveError
from layerscope.sources.pull import REGISTRY_RULES

SHA = "sha256:" + "a" * 64


# --------------------------------------------------------------------------- Platform


@pytest.mark.parametrize(
    "text,expected",
    [
        ("linux/amd64", Platform("linux", "amd64")),
        ("linux/arm64/v8", Platform("linux", "arm64", "v8")),
        (" windows/amd64 ", Platform("windows", "amd64")),
    ],
)
def test_platform_parse(text: str, expected: Platform) -> None:
    assert Platform.parse(text) == expected


@pytest.mark.parametrize("text", ["linux", "linux/", "/amd64", "linux/arm/v7/x", ""])
def test_platform_parse_refuses_what_is_not_os_arch_variant(text: str) -> None:
    with pytest.raises(ArchiveError, match=r"invalid --platform .* \(want os/arch\[/variant\]\)"):
        Platform.parse(text)


def test_platform_matches_ignores_the_variant_only_when_none_is_wanted() -> None:
    arm = Platform("linux", "arm64", "v8")
    assert arm.matches(Platform("linux", "arm64"))
    assert arm.matches(Platform("linux", "arm64", "v8"))
    assert not arm.matches(Platform("linux", "arm64", "v9"))
    assert not arm.matches(Platform("linux", "amd64"))
    assert not arm.matches(Platform("windows", "arm64"))
    assert not Platform("linux", "arm64").matches(Platform("linux", "arm64", "v8"))


def test_platform_str_marks_absent_fields() -> None:
    assert str(Platform("linux", "arm", "v7")) == "linux/arm/v7"
    assert str(Platform("linux", "amd64")) == "linux/amd64"
    assert str(Platform()) == "?/?"


def test_platform_of_config_ignores_fields_that_are_not_strings() -> None:
    assert Platform.of_config({"os": "linux", "architecture": 5, "variant": "v8"}) == Platform("linux", "", "v8")


def test_host_platform_round_trips_through_parse() -> None:
    host = Platform.host()
    assert host.os == "linux" and host.architecture
    assert Platform.parse(str(host)) == host


def test_attestation_is_platform_os_unknown() -> None:
    assert Platform("unknown", "unknown").is_attestation
    assert not Platform("linux", "amd64").is_attestation


# --------------------------------------------------------------------------- Descriptor


def test_descriptor_from_json_keeps_every_field() -> None:
    d = Descriptor.from_json(
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": SHA,
            "size": 7,
            "annotations": {"org.opencontainers.image.ref.name": "demo:1"},
            "platform": {"os": "linux", "architecture": "arm64", "variant": "v8", "os.features": ["x"]},
        },
        Where("index.json", "manifests[0]"),
    )
    assert (d.digest, d.size, d.media_type, d.ref_name) == (
        SHA,
        7,
        "application/vnd.oci.image.manifest.v1+json",
        "demo:1",
    )
    assert d.platform == Platform("linux", "arm64", "v8", os_features=("x",))


def test_ref_name_falls_back_to_containerds_annotation() -> None:
    d = Descriptor.from_json({"digest": SHA, "annotations": {"io.containerd.image.name": "x:y"}}, Where("i"))
    assert d.ref_name == "x:y"


# (descriptor, archive line, registry line): the same input refused by both sources, each in
# the wording its users see today.
BAD_DESCRIPTORS: list[tuple[Any, str, str]] = [
    (
        7,
        "index.json: manifests[2]: expected an object, got 7",
        "index of R, manifests[2]: descriptor must be a JSON object, not 7",
    ),
    (
        {"digest": SHA, "size": 1, "mediaType": ["x"]},
        'index.json: manifests[2].mediaType: expected a string, got ["x"]',
        'index of R, manifests[2]: mediaType must be a string, not ["x"]',
    ),
    (
        {"digest": 12, "size": 1},
        "index.json: manifests[2].digest: expected a string, got 12",
        "index of R, manifests[2]: digest must be a string, not 12",
    ),
    (
        {"digest": SHA, "size": -1},
        "index.json: manifests[2].size: expected an integer from 0 to 2^63-1, got -1",
        "index of R, manifests[2]: size must be a non-negative integer, not -1",
    ),
    (
        {"digest": SHA, "size": True},
        "index.json: manifests[2].size: expected an integer from 0 to 2^63-1, got true",
        "index of R, manifests[2]: size must be a non-negative integer, not true",
    ),
    (
        {"digest": SHA, "size": 1 << 63},
        f"index.json: manifests[2].size: expected an integer from 0 to 2^63-1, got {1 << 63}",
        f"index of R, manifests[2]: size must be at most 2^63-1, not {1 << 63}",
    ),
    (
        {"digest": SHA, "size": 1, "platform": "linux"},
        "index.json: manifests[2].platform: expected an object, got 'linux'",
        "index of R, manifests[2]: platform must be a JSON object, not 'linux'",
    ),
    (
        {"digest": SHA, "size": 1, "platform": {"os": 7}},
        "index.json: manifests[2].platform.os: expected a string, got 7",
        "index of R, manifests[2]: platform.os must be a string, not 7",
    ),
    (
        {"digest": SHA, "size": 1, "platform": {"os": "linux", "os.features": "x"}},
        "index.json: manifests[2].platform.os.features: expected a list of strings",
        "index of R, manifests[2]: platform.os.features must be a list of strings",
    ),
    (
        {"digest": SHA, "size": 1, "annotations": {"a": 1}},
        "index.json: manifests[2].annotations: expected an object of strings",
        "index of R, manifests[2]: annotations must be an object of strings",
    ),
]


@pytest.mark.parametrize("value,archive_line,registry_line", BAD_DESCRIPTORS)
def test_one_check_two_wordings(value: Any, archive_line: str, registry_line: str) -> None:
    with pytest.raises(ArchiveError) as archive:
        Descriptor.from_json(value, Where("index.json", "manifests[2]"), ARCHIVE_RULES)
    with pytest.raises(ArchiveError) as registry:
        Descriptor.from_json(value, Where("index of R", "manifests[2]"), REGISTRY_RULES)
    assert str(archive.value) == archive_line
    assert str(registry.value) == registry_line


def test_only_the_registry_requires_a_size() -> None:
    assert Descriptor.from_json({"digest": SHA}, Where("d"), ARCHIVE_RULES).size is None
    with pytest.raises(ArchiveError, match=r"^d, config: size must be a non-negative integer, not null$"):
        Descriptor.from_json({"digest": SHA}, Where("d", "config"), REGISTRY_RULES)


def test_long_values_are_cut_in_the_error_line() -> None:
    with pytest.raises(ArchiveError) as e:
        Descriptor.from_json({"digest": "x", "mediaType": ["y" * 10_000]}, Where("index.json", "manifests[0]"))
    assert len(str(e.value)) < 120 and str(e.value).endswith("…")


# --------------------------------------------------------------------------- Manifest / Index


def test_manifest_checks_layers_before_config() -> None:
    doc = {"config": 5, "layers": [5]}
    with pytest.raises(ArchiveError, match=r"^m: layers\[0\]: expected an object, got 5$"):
        Manifest.from_json(doc, Where("m"))
    with pytest.raises(ArchiveError, match=r"^m: missing config or layers$"):
        Manifest.from_json({"layers": []}, Where("m"))
    m = Manifest.from_json({"config": {"digest": SHA}, "layers": [{"digest": SHA, "size": 3}]}, Where("m"))
    assert m.config.digest == SHA and [d.size for d in m.layers] == [3]


def test_index_entries_are_located_and_its_own_media_type_is_not_checked() -> None:
    idx = Index.from_json({"mediaType": 5, "manifests": [{"digest": SHA}, {"digest": SHA, "size": 2}]}, Where("i"))
    assert [d.size for d in idx.manifests] == [None, 2] and idx.media_type == ""
    with pytest.raises(ArchiveError, match=r"^i: manifests: expected a list, got 5$"):
        Index.from_json({"manifests": 5}, Where("i"))


@pytest.mark.parametrize(
    "doc,expected",
    [
        ({"manifests": []}, True),
        ({"manifests": [], "mediaType": "application/vnd.oci.image.index.v1+json"}, True),
        ({"manifests": [], "mediaType": "application/vnd.oci.image.manifest.v1+json"}, False),
        ({"manifests": [], "mediaType": ["x"]}, False),
        ({"layers": []}, False),
        ([], False),
    ],
)
def test_is_index_doc(doc: Any, expected: bool) -> None:
    assert is_index_doc(doc) is expected


def test_decode_json_errors_are_one_line() -> None:
    with pytest.raises(ArchiveError, match=r"^cfg: invalid JSON \("):
        decode_json(b"{", "cfg")
    with pytest.raises(ArchiveError, match=r"^cfg: JSON nested too deeply$"):
        decode_json(b"[" * 200_000 + b"]" * 200_000, "cfg")


# --------------------------------------------------------------------------- pair history


def _config(history: list[dict[str, Any]], diff_ids: list[str]) -> dict[str, Any]:
    return {"rootfs": {"diff_ids": diff_ids}, "history": history}


def test_pair_history_skips_empty_layers_and_strips_the_shell() -> None:
    cfg = _config(
        [
            {"created_by": "/bin/sh -c #(nop) ENV A=1", "empty_layer": True},
            {"created_by": "/bin/sh -c apk add x", "created": "2024", "comment": "c"},
        ],
        ["sha256:1"],
    )
    (h,) = pair_history(cfg, 1)
    assert (h.command, h.digest, h.diff_id, h.created, h.comment) == ("apk add x", "sha256:1", "sha256:1", "2024", "c")


def test_pair_history_marks_layers_without_history() -> None:
    cfg = _config([{"created_by": "a"}], ["sha256:1", "sha256:2"])
    first, second, third = pair_history(cfg, 3)
    assert first.command == "a"
    assert (second.command, second.digest, second.diff_id) == ("(missing)", "", "sha256:2")
    assert (third.command, third.diff_id) == ("(missing)", "")


@pytest.mark.parametrize(
    "cfg,message",
    [
        ([], "image config: expected a JSON object"),
        (_config([{}, {}], ["sha256:1"]), "image config: history has 2 layer entries but rootfs.diff_ids has 1"),
        ({"history": [5]}, "image config: history must be a list of objects"),
        ({"rootfs": {"diff_ids": [5]}}, "image config rootfs.diff_ids must be a list of strings"),
    ],
)
def test_pair_history_refuses_a_bad_config(cfg: Any, message: str) -> None:
    with pytest.raises(ArchiveError) as e:
        pair_history(cfg, 1)
    assert str(e.value) == message
