"""The non-interactive pipeline: rules → read → analysis → verdict → output, and the exit code.

``layerscope --ci IMAGE`` (and ``--json FILE``, and ``layerscope build --ci``) is one call of
:func:`run` with a :class:`~layerscope.ci.settings.CiSettings`.  The steps, in dive's order of
output:

1. ``Using config file: …`` when a ``.dive.yaml`` is in use (dive prints it first, on stdout);
2. CI mode: the rules (``.dive-ci`` and the rule flags), announced as dive does;
3. dive's preamble, then the read (log, notes and skipped-layer warnings on stderr);
4. ``--json``: the export, exit 0 (dive evaluates no rule then);
5. CI mode: dive's efficiency, the verdict of dive's rules, dive's text; the ``layerscope:``
   section's verdict; the format's tail (:func:`layerscope.ci.formats.tail`); the step summary;
   the exit code, the worse of the two verdicts.

The renderers (``ci.render``, ``ci.formats``) only turn a verdict into text; what is evaluated
and which exit code results is decided here.  Heavy modules are imported as each step needs
them: ``--json`` never imports the rule evaluation or the CI formats.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TextIO

from ..escape import terminal
from .settings import CiOutcome, CiSettings

if TYPE_CHECKING:
    from ..image import Image
    from ..sources.archive import ReadOptions

Loader = Callable[[str, str, "ReadOptions"], "Image"]  # sources.load_image's shape


def _default_loader(source: str, image_arg: str, opts: ReadOptions) -> Image:
    from ..sources import load_image

    return load_image(source, image_arg, opts)


def run(
    settings: CiSettings,
    *,
    load: Loader | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> CiOutcome:
    """Run CI mode or the ``--json`` export; ``out``/``err`` default to the process's streams
    (read at call time, so a guarded stdout is the one written to), ``load`` to
    :func:`layerscope.sources.load_image`.

    The cyclic garbage collector is paused throughout: the read, the analysis and the rows are
    acyclic, and every full collection would scan all of them (archive.gcpause)."""
    from ..archive.gcpause import collector_paused

    with collector_paused():
        return _run(settings, load, out, err, env)


def _run(
    settings: CiSettings,
    load: Loader | None,
    out: TextIO | None,
    err: TextIO | None,
    env: Mapping[str, str] | None,
) -> CiOutcome:
    from . import render

    stdout = sys.stdout if out is None else out
    stderr = sys.stderr if err is None else err
    env = os.environ if env is None else env
    load = _default_loader if load is None else load
    text = _text_stream(settings, stdout, stderr)
    if settings.config_path:
        text.write(f"Using config file: {settings.config_path}\n")
    rules = None
    if settings.ci:
        from .rules import load_rules

        rules = load_rules(settings.rules.ci_config, dict(settings.rules.flags))
        text.write(render.config_line(rules.source))
    text.write(render.preamble(settings.source, settings.image_arg))
    text.flush()
    image = _read(settings, load, stderr)
    if settings.json_path:
        from ..export import dive_json

        text.write(render.title("Analyzing image...") + "\n")
        text.write(render.title(f"Exporting image to '{settings.json_path}'...") + "\n")
        dive_json.export(settings.json_path, image)  # errors: one LayerscopeError line, exit 2
        return CiOutcome(0)
    assert rules is not None  # not --json, so CI mode
    from ..analysis.dive_efficiency import dive_efficiency
    from ..report.output import append_step_summary
    from . import formats
    from .evaluate import evaluate

    analysis = dive_efficiency(image)
    verdict = evaluate(rules, analysis)
    text.write(render.analysis_lines(analysis))
    text.write(render.report(analysis, verdict))
    extra = None
    if rules.has_section("layerscope"):  # without one, extra_verdict is None: not even imported
        from .extra_rules import extra_verdict

        extra = extra_verdict(rules, image)
    end = formats.tail(
        settings.format, verdict, extra, image.name, analysis, github_actions=env.get("GITHUB_ACTIONS") == "true"
    )
    stdout.write(end.out)
    stdout.flush()
    if end.err:
        stderr.write(end.err)
    append_step_summary(formats.markdown(verdict, extra, image.name, analysis), dict(env))
    code = max(verdict.exit_code, 0 if extra is None else extra.exit_code)
    return CiOutcome(code, verdict, extra)


def _text_stream(settings: CiSettings, stdout: TextIO, stderr: TextIO) -> TextIO:
    """Where dive's text goes: stdout; a discarded buffer when junit / markdown replace it;
    stderr for ``--json -`` (stdout then carries the JSON alone, so it parses)."""
    if settings.json_path:
        from ..report.output import writes_to_stdout

        return stderr if writes_to_stdout(settings.json_path) else stdout
    if settings.ci and settings.format not in ("dive", "github"):
        return io.StringIO()
    return stdout


def _read(settings: CiSettings, load: Loader, stderr: TextIO) -> Image:
    """Read the image, log the read, and say on stderr what the reader noted or skipped."""
    from .. import log

    started = time.perf_counter()
    image = load(settings.source, settings.image_arg, settings.read)
    log.log_read(image, time.perf_counter() - started)
    from . import heap

    if heap.worth_trimming(image):
        heap.release_free_heap()  # the read's freed buffers, before the analysis allocates its own
    for note in image.notes:
        print(f"note: {terminal(note)}", file=stderr)
    for warning in log.skipped_warnings(image):
        print(f"layerscope: {terminal(warning)}", file=stderr)
    return image
