"""Every plot written as PNG and SVG from real runs, and file names no plugin can steer."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
from PIL import Image

from concbench.framework.reports.outputs import Outputs
from concbench.framework.reports.plots import slug
from support.stores import Store


def check_png(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
        return int(width), int(height)


def check_svg(path: Path) -> None:
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.attrib["width"].removesuffix("pt")) > 0
    assert float(root.attrib["height"].removesuffix("pt")) > 0


def test_each_plot_is_written_as_png_and_svg(store: Store, tmp_path: Path) -> None:
    written = Outputs(plots=tmp_path / "plots").write(store.records, store.traces)
    names = sorted(path.name for _, path in written)
    stems = sorted({name.rsplit(".", 1)[0] for name in names})
    assert stems == sorted(
        [
            "efficiency",
            "scaling",
            "timeline-fanout_tasks=40_seconds=0.02",
            "timeline-fanout_tasks=5_seconds=0.02",
            "timeline-seed-blocking_scale=0.1",
            "timeline-seed_scale=0.1",
        ]
    )
    for stem in stems:
        width, height = check_png(tmp_path / "plots" / f"{stem}.png")
        assert width >= 600
        assert height >= 200
        check_svg(tmp_path / "plots" / f"{stem}.svg")


def test_hostile_titles_are_drawn_and_kept_inside_the_directory(
    hostile_store: Store, tmp_path: Path
) -> None:
    directory = tmp_path / "plots"
    written = Outputs(plots=directory).write(hostile_store.records, hostile_store.traces)
    assert len(written) == 4  # no sweep, so no scaling plot: efficiency and one timeline
    for _, path in written:
        assert path.parent == directory
        assert path.stat().st_size > 0
        if path.suffix == ".svg":
            check_svg(path)  # the escaped text still makes well-formed XML


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seed (scale=1.0)", "seed_scale=1.0"),
        ("../../etc/passwd", "etc_passwd"),
        ("/", "plot"),
        ("<i>x</i> | $y$", "i_x_i_y"),
    ],
)
def test_slug_makes_a_plain_file_name(text: str, expected: str) -> None:
    assert slug(text) == expected
