"""The HTML report of real runs, parsed back: structure, plots, self-containment, escaping."""

from __future__ import annotations

from html.parser import HTMLParser

from concbench.framework.analysis.summary import group_records
from concbench.framework.reports.columns import COLUMNS, PART_COLUMNS
from concbench.framework.reports.html import Page, html_report
from support.plugins import HOSTILE
from support.stores import Store


class ParsedPage(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.sections: dict[str, dict[str, int]] = {}
        self.section = ""
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "section":
            self.section = attributes.get("id") or ""
            self.sections[self.section] = {}
        elif self.section:
            counts = self.sections[self.section]
            counts[tag] = counts.get(tag, 0) + 1
        for name in ("href", "src", "xlink:href"):
            value = attributes.get(name)
            if value and not value.startswith("#"):
                self.urls.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(text: str) -> ParsedPage:
    page = ParsedPage()
    page.feed(text)
    return page


def test_the_page_holds_tables_and_every_plot_inline(store: Store) -> None:
    text = html_report(store.records, store.traces, Page(sources=["runs.jsonl"]))
    page = parse(text)
    assert list(page.sections) == [
        "glance",
        "summary",
        "scaling",
        "efficiency",
        "saturation",
        "timelines",
        "columns",
    ]
    groups = group_records(store.records)
    summary = page.sections["summary"]
    assert summary["table"] == 2 * len(groups)  # results, then where the overhead went
    measured = [sum(row.wall is not None for row in group.rows) for group in groups]
    assert summary["tr"] == sum(
        len(g.rows) + 1 + m + 1 for g, m in zip(groups, measured, strict=True)
    )
    assert summary["th"] == len(groups) * (len(COLUMNS) + len(PART_COLUMNS))
    assert page.sections["scaling"]["svg"] == 1  # the fanout sweep: 5 and 40 tasks
    assert page.sections["efficiency"]["svg"] == 1
    assert page.sections["timelines"]["svg"] == len(groups)  # one figure per workload
    assert page.urls == []  # nothing to fetch: no links, images or fonts outside the page
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags
    assert "link" not in tags
    assert "img" not in tags
    [csp] = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert "default-src 'none'" in (csp["content"] or "")
    assert "<?xml" not in text  # SVGs are inlined as elements, not documents
    words = " ".join(page.text)
    for group in groups:
        assert group.title in words
        for row in group.rows:
            assert row.note in words


def test_without_a_sweep_or_traces_the_page_says_so(store: Store) -> None:
    seed_only = [r for r in store.records if r.scenario == "seed"]
    page = parse(html_report(seed_only, {}))
    assert "svg" not in page.sections["scaling"]
    assert "svg" not in page.sections["timelines"]
    words = " ".join(page.text)
    assert "No sweep over the number of tasks" in words
    assert "No stored traces" in words


def test_hostile_names_parameters_and_errors_are_text_not_markup(hostile_store: Store) -> None:
    text = html_report(hostile_store.records, hostile_store.traces)
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    page = parse(text)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "img", "b", "i", "u"}
    words = "".join(page.text)
    assert HOSTILE in words
    assert "<i>scenario</i> | $x_1$" in words
    assert "<u>copies</u>|=2" in words
    assert '"><img src=x onerror=alert(1)>' in words
    assert page.sections["timelines"]["svg"] == 1  # drawn, with mathtext off
