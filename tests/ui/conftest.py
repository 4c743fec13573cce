"""Shared UI test helpers: generated archives (cached per session) and an app that is loaded."""

from __future__ import annotations

import os

import pytest

from fixtures.imagegen import ImageSpec, LayerSpec, M, whiteout, write_docker_save
from layerscope.ci.settings import RuleOptions
from layerscope.config import UISettings
from layerscope.sources import load_image
from layerscope.sources.archive import ReadOptions
from layerscope.ui.app import LayerscopeApp, create_app
from layerscope.ui.screens.main import MainScreen

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "fixtures", "demo.tar")


def f(name: str, size: int = 0, **kw) -> M:
    return M(name, "file", size=size or None, **kw)


def d(name: str, **kw) -> M:
    return M(name, "dir", **kw)


# Four layers that exercise every mark: add, modify (content and chmod), delete (file and dir),
# delete-then-re-add, links, and directories that only exist implicitly.
MARKS_SPEC = ImageSpec(
    [
        LayerSpec(
            [
                d("etc"),
                f("etc/a.conf", 100),
                f("etc/b.conf", 200),
                d("opt"),
                f("opt/big.bin", 5000),
                f("opt/small.bin", 50),
                d("srv"),
                f("srv/keep", 10),
                f("srv/gone", 20),
                M("etc/link", "symlink", linkname="a.conf"),
            ],
            created_by="ADD base /",
        ),
        LayerSpec(
            [
                d("etc"),
                f("etc/a.conf", 120, seed=1),
                f("etc/new.conf", 300),
                whiteout("srv/gone"),
                d("var"),
                f("var/log.txt", 700),
            ],
            created_by="RUN edit",
        ),
        LayerSpec(
            [whiteout("opt"), f("etc/b.conf", 200, mode=0o600), f("deep/x/y/z.txt", 40)],
            created_by="RUN rm -rf /opt && chmod 600 /etc/b.conf",
        ),
        LayerSpec([f("srv/gone", 25, seed=3), f("etc/new.conf", 330, seed=4)], created_by="RUN readd"),
    ],
    tags=["layerscope/marks:test"],
)

EMPTY_SPEC = ImageSpec(
    [LayerSpec([], created_by="empty"), LayerSpec([], created_by="still empty")], tags=["layerscope/empty:test"]
)


@pytest.fixture(scope="session")
def archives(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("ui-archives")
    paths = {}
    for name, spec in (("marks", MARKS_SPEC), ("empty", EMPTY_SPEC)):
        p = out / f"{name}.tar"
        write_docker_save(p, spec)
        paths[name] = str(p)
    paths["demo"] = DEMO
    return paths


@pytest.fixture(scope="session")
def marks_image(archives):
    return load_image("docker-archive", archives["marks"], ReadOptions())


@pytest.fixture(scope="session")
def demo_image(archives):
    return load_image("docker-archive", archives["demo"], ReadOptions())


def no_ci_args(tmp: str) -> RuleOptions:
    """Rules whose .dive-ci does not exist, so the verdict uses dive's defaults."""
    return RuleOptions(ci_config=os.path.join(tmp, "no-such-dive-ci"))


def make_app(
    archive: str, settings: UISettings | None = None, tmp: str = "/nonexistent", name: str | None = None
) -> LayerscopeApp:
    return create_app("docker-archive", name or archive, ReadOptions(), settings or UISettings(), no_ci_args(tmp))


async def wait_loaded(app: LayerscopeApp, pilot) -> MainScreen:  # noqa: ANN001
    """Wait until the main screen shows a tree (or the app stopped)."""
    for _ in range(400):
        await pilot.pause(0.01)
        screen = app.screen
        if isinstance(screen, MainScreen) and screen.view is not None and not screen.computing:
            return screen
        if app.load_error is not None:
            raise app.load_error
    raise AssertionError("the UI never finished loading")


async def settle(app: LayerscopeApp, pilot) -> MainScreen:  # noqa: ANN001
    """Let workers (tree builds) finish and messages drain."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MainScreen)
    for _ in range(200):
        if not screen.computing:
            break
        await pilot.pause(0.01)
    return screen


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):  # noqa: ANN001, ANN201
    """Run ``async def`` tests with asyncio.run (no async plugin is needed for Pilot tests)."""
    import asyncio
    import inspect

    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        kwargs = {name: pyfuncitem.funcargs[name] for name in names}
        asyncio.run(pyfuncitem.obj(**kwargs))
        return True
    return None
