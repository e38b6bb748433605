"""Markdown reports of real runs, read back through a real CommonMark parser."""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt

from concbench.framework.analysis.summary import group_records
from concbench.framework.reports.columns import COLUMNS, PART_COLUMNS
from concbench.framework.reports.markdown import escape, markdown_report
from support.plugins import HOSTILE
from support.stores import Store


class Cells(HTMLParser):
    """Tables as lists of rows of cell texts, plus every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.in_cell:
            self.tables[-1][-1][-1] += data


def render(markdown: str) -> Cells:
    parser = Cells()
    parser.feed(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown))
    return parser


def test_one_table_per_workload_one_row_per_backend(store: Store) -> None:
    groups = group_records(store.records)
    parsed = render(markdown_report(store.records))
    assert len(groups) == 4
    # the table at a glance, then per workload: results, then where the overhead went
    assert len(parsed.tables) == 1 + 2 * len(groups)
    results, decompositions = parsed.tables[1::2], parsed.tables[2::2]
    for table, parts, group in zip(results, decompositions, groups, strict=True):
        header, *rows = table
        assert header == [column.header for column in COLUMNS]
        assert [row[0] for row in rows] == [row.label for row in group.rows]
        for cells, row in zip(rows, group.rows, strict=True):
            assert cells == [column.cell(row) for column in COLUMNS]  # nothing lost to escaping
        parts_header, *part_rows = parts
        assert parts_header == [column.header for column in PART_COLUMNS]
        for cells, row in zip(part_rows, group.rows, strict=True):
            assert cells == [column.cell(row) for column in PART_COLUMNS]


def test_hostile_names_and_errors_print_as_themselves(hostile_store: Store) -> None:
    markdown = markdown_report(hostile_store.records)
    parsed = render(markdown)
    # only the structure we wrote: headings, paragraphs, the tables, the list of verdicts
    # (titles in bold); no link, emphasis, code, strikethrough, image or raw HTML from the
    # plugin's text
    allowed = {"h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}
    assert parsed.tags <= allowed | {"strong"}
    glance, table, parts = parsed.tables  # the failed row has no parts: only the ok row
    assert [row[0] for row in glance[1:]] == [HOSTILE, "failing " + HOSTILE]
    assert glance[2][1] == "failed"
    assert [row[0] for row in parts[1:]] == [HOSTILE]
    header, ok_row, failed_row = table
    assert len(ok_row) == len(failed_row) == len(header) == len(COLUMNS)
    assert ok_row[0] == HOSTILE
    assert failed_row[0] == "failing " + HOSTILE
    assert failed_row[-1] == 'failed: "><img src=x onerror=alert(1)>'
    assert "injected" not in "".join(header + ok_row)  # the error's "| injected |" row
    assert "<i>scenario</i> | $x_1$" in "".join(parsed.text)


def test_escape_keeps_plain_text_and_flattens_lines() -> None:
    assert escape("asyncio 1.002 s +0.2% threads(workers=4)") == (
        "asyncio 1.002 s +0.2% threads(workers=4)"
    )
    assert escape("a\nb | c") == "a b \\| c"
