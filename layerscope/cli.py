"""Command line: flags → settings → the library → an output and an exit code.  No logic here.

Exit codes: 0 pass, 1 a CI rule or gate failed (or the rules are misconfigured, as in dive),
2 the input could not be read or the invocation is wrong.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .archive.decompress import Limits
from .errors import LayerscopeError
from .sources import load_image, pick_source
from .sources.archive import ReadOptions

FORMATS = ("dive", "junit", "github", "markdown")  # CI output formats (ci/formats.py renders them)

GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}


def _size_arg(text: str) -> int:
    from .ci.rules import RuleValueError, go_parse_bytes

    try:
        return go_parse_bytes(text)
    except RuleValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="layerscope",
        description="Explore a container image's layers and find wasted space (a drop-in for dive).",
    )
    p.add_argument("image", nargs="?", help="image archive path, or SOURCE://IMAGE")
    p.add_argument("--source", default=os.environ.get("DIVE_SOURCE"),
                   help="docker-archive (docker-tar), docker, podman, registry")
    p.add_argument("--ci", action="store_true", help="skip the UI; evaluate CI rules (also CI=true)")
    p.add_argument("--ci-config", default=".dive-ci", help="rules file (default: .dive-ci in the cwd)")
    p.add_argument("--lowestEfficiency", "--lowest-efficiency", dest="lowestEfficiency", default=None)
    p.add_argument("--highestWastedBytes", "--highest-wasted-bytes", dest="highestWastedBytes", default=None)
    p.add_argument("--highestUserWastedPercent", "--highest-user-wasted-percent",
                   dest="highestUserWastedPercent", default=None)
    p.add_argument("-j", "--json", dest="json_path", default=None, help="write dive's JSON export to FILE")
    p.add_argument("-i", "--ignore-errors", action="store_true", help="ignore image parsing errors (UI)")
    p.add_argument("--config", default=None, help=".dive.yaml configuration file")
    p.add_argument("--image", dest="image_select", default=None, help="pick an image of a multi-image archive (name:tag)")
    p.add_argument("--platform", default=None, help="os/arch[/variant] to pick from a multi-platform index")
    p.add_argument("--no-verify", action="store_true", help="do not verify blob digests")
    p.add_argument("--max-bytes", type=_size_arg, default=None, help="cap on total uncompressed bytes (default 64GiB)")
    p.add_argument("--max-entries", type=int, default=None, help="cap on total tar entries (default 10M)")
    p.add_argument("--sort", choices=["name", "size"], default=None, help="file tree order in the UI")
    p.add_argument("--insecure", action="store_true", help="registry source: plain http (no TLS)")
    p.add_argument("--cache", dest="cache", action="store_true", default=True,
                   help="registry source: use the blob cache in ~/.cache/layerscope (default)")
    p.add_argument("--no-cache", dest="cache", action="store_false", help="registry source: no blob cache")
    p.add_argument("--format", choices=FORMATS, default="dive",
                   help="CI output: dive's text (default), junit XML, dive's text + GitHub annotations, "
                        "or the markdown summary; other than dive implies --ci")
    p.add_argument("-v", "--version", action="store_true", help="print the version")
    return p


def ci_enabled(flag: bool) -> bool:
    return flag or os.environ.get("CI", "") in GO_TRUE


def _read_options(args: argparse.Namespace) -> ReadOptions:
    limits = Limits()
    if args.max_bytes is not None:
        limits.max_bytes = args.max_bytes
    if args.max_entries is not None:
        limits.max_entries = args.max_entries
    return ReadOptions(image=args.image_select, platform=args.platform, verify=not args.no_verify, limits=limits,
                       insecure=getattr(args, "insecure", False), cache=getattr(args, "cache", True))


def run_analyze(args: argparse.Namespace) -> int:
    from .ci.render import title

    if not args.image:
        raise LayerscopeError("No image argument given")
    source, image_arg = pick_source(args.image, args.source)
    opts = _read_options(args)
    ci = ci_enabled(args.ci) or args.format != "dive"
    if args.json_path or ci:
        opts.hash_content = False  # nothing in CI mode or dive's JSON uses content hashes
    out = sys.stdout
    if ci and not args.json_path and args.format not in ("dive", "github"):
        import io

        out = io.StringIO()  # junit / markdown replace dive's text (see ci/formats.py)
    if args.json_path or ci:
        from .analysis.dive_efficiency import dive_efficiency
        from .ci import render
        from .ci.evaluate import evaluate
        from .ci.rules import RULE_KEYS, load_rules

        from .config import find_config

        config_path = find_config(args.config)
        if config_path:
            out.write(f"Using config file: {config_path}\n")  # dive prints this first, on stdout
        rules = None
        if ci:
            flags = {k: getattr(args, k) for k in RULE_KEYS}
            rules = load_rules(args.ci_config, flags)
            out.write(render.config_line(rules.source))
        out.write(render.preamble(source, image_arg))
        out.flush()
        image = load_image(source, image_arg, opts)
        for note in image.notes:
            print(f"note: {note}", file=sys.stderr)
        if args.json_path:
            from .export import dive_json

            out.write(title("Analyzing image...") + "\n")
            out.write(title(f"Exporting image to '{args.json_path}'...") + "\n")
            try:
                dive_json.export(args.json_path, image)
            except OSError as e:
                raise LayerscopeError(f"cannot write {args.json_path}: {e.strerror or e}") from None
            return 0
        analysis = dive_efficiency(image)
        assert rules is not None
        verdict = evaluate(rules, analysis)
        out.write(render.analysis_lines(analysis))
        out.write(render.report(analysis, verdict))
        from .ci.formats import finish_ci

        return finish_ci(args.format, image, analysis, verdict, rules, sys.stdout)
    return run_ui(args, source, image_arg, opts)


def run_ui(args: argparse.Namespace, source: str, image_arg: str, opts: ReadOptions) -> int:
    try:
        from .ui.app import run as run_app
    except ImportError as e:  # pragma: no cover - textual is a dependency
        raise LayerscopeError(f"the interactive UI cannot start: {e}") from None
    return run_app(args, source, image_arg, opts)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv and argv[0] == "version":
            print(f"layerscope {__version__}")
            return 0
        if argv and argv[0] in ("diff", "report", "build", "explain"):
            import importlib

            command = importlib.import_module(f"layerscope.commands.{argv[0]}")
            return command.main(argv[1:])
        args = build_parser().parse_args(argv)
        if args.version:
            print(f"layerscope {__version__}")
            return 0
        return run_analyze(args)
    except LayerscopeError as e:
        sys.stdout.flush()
        print(f"layerscope: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("layerscope: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        print("layerscope: out of memory while reading the image (see --max-bytes / --max-entries)", file=sys.stderr)
        return 2
    except RecursionError:
        print("layerscope: input nested too deeply", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - never a traceback in a pipeline
        print(f"layerscope: internal error: {type(e).__name__}: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
