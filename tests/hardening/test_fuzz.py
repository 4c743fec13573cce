"""A short, deterministic fuzz run (the full one is ``python fuzz/fuzz_archive.py --inputs 100000``)
and the fuzzer's past findings as regression tests."""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings

from fuzz.fuzz_archive import MODES, input_for, run_target
from fuzz.mutators import apply_plan, plans


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    os.makedirs(d / "in")
    os.makedirs(d / "work")
    return str(d)


_count = [0]


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(sp=plans())
def test_mutated_archives_never_crash(sp, workdir) -> None:
    data = apply_plan(*sp)
    _count[0] += 1
    t0 = time.perf_counter()
    _rc, _err, problem = run_target(data, MODES[_count[0] % len(MODES)], workdir)
    assert time.perf_counter() - t0 < 10, "slow input"
    assert not problem, problem


@pytest.mark.parametrize(
    "seed,index",
    [
        (1, 20128),  # index.json descriptor mediaType an object: TypeError unhashable (resolve.py)
        (1, 18270),  # manifest blob mediaType a list: TypeError unhashable (resolve.py)
        (1, 24726),
        (1, 27626),
    ],
)
def test_fuzz_regressions(seed: int, index: int, workdir) -> None:
    data = input_for(seed, index)
    for mode in MODES:
        _rc, err, problem = run_target(data, mode, workdir)
        assert not problem, (mode, problem, err)
