"""The Packages view (``P``), the tree narrowed to a package, and the packages in Layer Details.

Every image is written here by our generator (fixtures/imagegen): a dpkg status with ``.list``
files and a python ``dist-info`` RECORD.  Expected sizes are the lengths of the contents the test
wrote, never a number the analysis produced.
"""

from __future__ import annotations

import threading
from pathlib import Path

from conftest import make_app, settle, wait_loaded
from textual.content import Content

from fixtures.imagegen import ImageSpec, LayerSpec, M, write_docker_save
from layerscope.golang.humanize import humanize_bytes
from layerscope.ui.screens.main import MainScreen
from layerscope.ui.screens.packages import PackagesScreen
from layerscope.ui.widgets.file_tree import FileTree
from layerscope.ui.widgets.layer_details import LayerDetails
from layerscope.ui.widgets.layers import LayersPane
from layerscope.ui.widgets.packages import PackageList
from layerscope.ui.widgets.status_bar import StatusBar

SITE = "usr/lib/python3/site-packages"


def _stanza(name: str, version: str) -> str:
    return f"Package: {name}\nStatus: install ok installed\nVersion: {version}\nArchitecture: amd64\n\n"


def _dpkg(packages: dict[str, tuple[str, dict[str, bytes]]]) -> tuple[list[M], list[M]]:
    """(the database members, the package files) for ``name → (version, {path: content})``."""
    status = "".join(_stanza(n, v) for n, (v, _files) in packages.items()).encode()
    db = [M("var/lib/dpkg/status", data=status)]
    files: list[M] = []
    for name, (_v, content) in packages.items():
        listing = "\n".join(["/.", *("/" + p for p in content)]) + "\n"
        db.append(M(f"var/lib/dpkg/info/{name}.list", data=listing.encode()))
        files.extend(M(p, data=data) for p, data in content.items())
    return db, files


BIG = {"usr/lib/big/a.so": b"a" * 30_000, "usr/lib/big/b.so": b"b" * 20_000}
MID = {"usr/share/mid/data": b"m" * 7_000}
SMALL = {"usr/bin/small": b"s" * 500}
SMALL_V2 = b"S" * 800  # layer 2 rewrites it
DEMO = {f"{SITE}/demo/__init__.py": b"p" * 100, f"{SITE}/demo/data.bin": b"d" * 12_000}
METADATA = b"Metadata-Version: 2.1\nName: Demo\nVersion: 2.0\n\n"
RECORD = ("demo/__init__.py,,\ndemo/data.bin,,\ndemo-2.0.dist-info/METADATA,,\ndemo-2.0.dist-info/RECORD,,\n").encode()


def _write(tmp: Path, *layers: list[M], name: str = "pkgs.tar") -> str:
    path = tmp / name
    write_docker_save(path, ImageSpec([LayerSpec(list(m), f"RUN layer {i}") for i, m in enumerate(layers)]))
    return str(path)


def packages_image(tmp: Path) -> str:
    db, files = _dpkg({"big": ("1.2-3", BIG), "mid": ("0.9", MID), "small": ("5", SMALL)})
    python = [
        *(M(p, data=d) for p, d in DEMO.items()),
        M(f"{SITE}/demo-2.0.dist-info/METADATA", data=METADATA),
        M(f"{SITE}/demo-2.0.dist-info/RECORD", data=RECORD),
    ]
    return _write(tmp, db + files, python, [M("usr/bin/small", data=SMALL_V2)])


EXPECTED = {  # name → (version, ecosystem, bytes, files): the generator's inputs
    "big": ("1.2-3", "deb", sum(map(len, BIG.values())), len(BIG)),
    "Demo": ("2.0", "python", sum(map(len, DEMO.values())) + len(METADATA) + len(RECORD), len(DEMO) + 2),
    "mid": ("0.9", "deb", sum(map(len, MID.values())), len(MID)),
    "small": ("5", "deb", len(SMALL_V2), 1),
}


async def _loaded_with_packages(app, pilot) -> MainScreen:  # noqa: ANN001
    screen = await wait_loaded(app, pilot)
    screen = await settle(app, pilot)
    for _ in range(300):
        if not screen.packages_computing and screen.model.packages is not None:
            break
        await pilot.pause(0.02)
    return screen


async def _open(app, pilot) -> tuple[PackagesScreen, PackageList]:  # noqa: ANN001
    await pilot.press("P")
    await pilot.pause()
    view = app.screen
    assert isinstance(view, PackagesScreen)
    return view, view.query_one(PackageList)


def _rows(lst: PackageList) -> list[tuple[str, str, str, int, int]]:
    return [(p.name, p.version, p.ecosystem, p.bytes, p.files) for p in (lst.packages[i] for i in lst.rows)]


def _shown_files(screen: MainScreen) -> set[str]:
    view = screen.view
    assert view is not None
    f = view.flat
    return {f.path[i] for i in view.display_order() if f.info[i] is not None and not f.info[i].is_dir}


async def test_packages_listed_biggest_first_with_the_generated_sizes(tmp_path):
    app = make_app(packages_image(tmp_path), tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _loaded_with_packages(app, pilot)
        assert "P Packages" in screen.query_one(StatusBar).text
        view, lst = await _open(app, pilot)
        expected = sorted(((n, *v) for n, v in EXPECTED.items()), key=lambda r: -r[3])
        assert _rows(lst) == expected
        for row, (name, version, eco, size, files) in enumerate(expected):
            text = lst.row_text(row).split()
            assert text[:3] == [name, version, eco]
            assert " ".join(text[3:5]) == humanize_bytes(size)
            assert text[5] == str(files)
            assert text[6] == {"Demo": "1", "small": "0→2"}.get(name, "0")  # installed → rewritten by
        owned = sum(v[2] for v in EXPECTED.values())
        assert f"4 packages explain {humanize_bytes(owned)} of" in view.coverage


async def test_filter_narrows_the_list_and_enter_narrows_the_tree_then_esc_restores_it(tmp_path):
    app = make_app(packages_image(tmp_path), tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _loaded_with_packages(app, pilot)
        screen.query_one(LayersPane).select(0)  # choosing a package shows the final image
        screen = await settle(app, pilot)
        all_files_layer0 = _shown_files(screen)
        view, lst = await _open(app, pilot)
        await pilot.press("d", "e", "m", "o")  # smart case: matches "Demo"
        await pilot.pause()
        assert [r[0] for r in _rows(lst)] == ["Demo"]
        await pilot.press("backspace", "backspace", "backspace", "backspace", "m", "i")
        await pilot.pause()
        assert [r[0] for r in _rows(lst)] == ["mid"]
        await pilot.press("backspace", "backspace", "^", "[", "b", "s", "]")
        await pilot.pause()
        assert [r[0] for r in _rows(lst)] == ["big", "small"]
        await pilot.press("down", "enter")
        screen = await settle(app, pilot)
        assert app.screen is screen and screen.layer_index == 2
        assert _shown_files(screen) == {"/usr/bin/small"}
        assert isinstance(screen.focused, FileTree)
        assert "package small 5" in screen.query_one(FileTree).border_title
        await pilot.press("P")
        await pilot.pause()
        await pilot.press("b", "i", "g", "enter")
        screen = await settle(app, pilot)
        assert _shown_files(screen) == {"/" + p for p in BIG}
        await pilot.press("escape")
        screen = await settle(app, pilot)
        assert screen.only is None and screen.view.only is None
        final = _shown_files(screen)
        assert {"/" + p for p in (*BIG, *MID, *SMALL, *DEMO)} <= final
        assert all_files_layer0 < final  # the whole final tree again
        assert "package" not in screen.query_one(FileTree).border_title


async def test_package_filter_follows_the_layer_cursor(tmp_path):
    app = make_app(packages_image(tmp_path), tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _loaded_with_packages(app, pilot)
        await _open(app, pilot)
        await pilot.press("b", "i", "g", "enter")
        screen = await settle(app, pilot)
        screen.query_one(LayersPane).select(1)
        screen = await settle(app, pilot)
        assert screen.layer_index == 1 and _shown_files(screen) == {"/" + p for p in BIG}
        await pilot.press("ctrl+f", "b", "\\", ".")  # the regex filter narrows the package further
        await pilot.pause()
        assert screen.filter_text == "b\\." and _shown_files(screen) == {"/usr/lib/big/b.so"}


async def test_layer_details_lists_the_packages_of_the_selected_layer(tmp_path):
    app = make_app(packages_image(tmp_path), tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _loaded_with_packages(app, pilot)
        details = screen.query_one(LayerDetails)
        lines = details.text.split("Packages:")[1].splitlines()
        # layer 0 installed the three debs, biggest first; Demo came in layer 1
        assert [ln.split()[:2] for ln in lines[1:]] == [["+", "big"], ["+", "mid"], ["+", "small"]]
        assert lines[3].endswith(humanize_bytes(len(SMALL_V2)))  # its size in the final image
        screen.query_one(LayersPane).select(1)
        await pilot.pause()
        assert [ln.split()[:2] for ln in details.text.split("Packages:")[1].splitlines()[1:]] == [["+", "Demo"]]
        screen.query_one(LayersPane).select(2)
        await pilot.pause()
        tail = details.text.split("Packages:")[1].splitlines()[1:]
        assert [ln.split()[:2] for ln in tail] == [["~", "small"]]
        assert humanize_bytes(len(SMALL_V2)) in tail[0]


async def test_layer_details_bounds_the_package_lines(tmp_path):
    many = {f"pkg{i:02d}": ("1", {f"opt/p{i:02d}": b"x" * (100 + i)}) for i in range(12)}
    db, files = _dpkg(many)
    app = make_app(_write(tmp_path, db + files), tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _loaded_with_packages(app, pilot)
        lines = screen.query_one(LayerDetails).text.split("Packages:")[1].splitlines()[1:]
        assert [ln.split()[1] for ln in lines[:5]] == ["pkg11", "pkg10", "pkg09", "pkg08", "pkg07"]
        assert "and 7 more" in lines[5] and len(lines) == 6


async def test_hostile_names_are_shown_literally(tmp_path):
    evil = {"[bold]boom": ("[red]1", {"opt/a": b"a" * 900}), "esc\x1b]0;pwned\x07": ("2", {"opt/b": b"b" * 100})}
    db, files = _dpkg(evil)
    app = make_app(_write(tmp_path, db + files), tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _loaded_with_packages(app, pilot)
        details = screen.query_one(LayerDetails).text
        assert "[bold]boom [red]1" in details
        assert "esc\\x1b]0;pwned\\x07" in details and "\x1b" not in details
        _view, lst = await _open(app, pilot)
        assert lst.row_text(0).split()[:2] == ["[bold]boom", "[red]1"]
        assert lst.row_text(1).startswith("esc\\x1b]0;pwned\\x07")
        assert "\x1b" not in lst.row_text(1)
        # the drawn screen holds the brackets as text (markup would have eaten them)
        assert "[bold]boom" in "".join(s.text for s in lst.render_line(1))
        await pilot.press("enter")
        screen = await settle(app, pilot)
        title = screen.query_one(FileTree).border_title
        assert _shown_files(screen) == {"/opt/a"}
        assert title is not None and "package [bold]boom [red]1" in Content.from_markup(title).plain


async def test_no_database_says_so(tmp_path):
    app = make_app(_write(tmp_path, [M("etc/hostname", data=b"box\n"), M("opt/x", data=b"x" * 4000)]))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _loaded_with_packages(app, pilot)
        assert "Packages" not in screen.query_one(StatusBar).text  # nothing to list: the hint stays out
        assert "Packages:" not in screen.query_one(LayerDetails).text
        view, lst = await _open(app, pilot)
        assert "no package database found" in view.coverage
        assert lst.rows == []
        await pilot.press("enter")  # nothing under the cursor: the view stays
        await pilot.pause()
        assert app.screen is view
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.only is None


async def test_view_opened_before_the_analysis_shows_computing_then_fills(tmp_path, monkeypatch):
    import layerscope.ui.screens.main as main_screen

    release = threading.Event()
    real = main_screen.compute_packages

    def slow(image):  # noqa: ANN001, ANN202 - the analysis, held back until the view is open
        release.wait(10)
        return real(image)

    monkeypatch.setattr(main_screen, "compute_packages", slow)
    app = make_app(packages_image(tmp_path), tmp=str(tmp_path))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await wait_loaded(app, pilot)
        assert screen.packages_computing
        assert "Packages: computing…" in screen.query_one(LayerDetails).text
        view, lst = await _open(app, pilot)
        assert view.coverage == "packages: computing…" and lst.rows == []
        await pilot.press("b", "i")  # a filter typed before the list arrives still applies
        release.set()
        for _ in range(300):
            await pilot.pause(0.02)
            if screen.model.packages is not None:
                break
        await pilot.pause()
        assert "4 packages explain" in view.coverage
        assert [r[0] for r in _rows(lst)] == ["big"]
        assert "Packages: computing…" not in screen.query_one(LayerDetails).text
