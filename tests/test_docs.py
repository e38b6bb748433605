"""The documentation holds together: links land, the README stays short, the command line
and the docs point to each other, and every path or module a doc names exists.

Markdown is parsed with markdown-it (CommonMark plus tables), so a link or a heading inside
a code block is never mistaken for a real one.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from concbench.cli import _parser, main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
README_MAX_LINES = 250

PENDING: set[Path] = set()
"""Pages another branch adds; a link to one is accepted while it is missing. Drop an
entry once its page has been merged."""

PATH_ROOTS = [
    ROOT,
    ROOT / "src" / "concbench",
    ROOT / "src" / "concbench" / "framework",
    ROOT / "examples" / "concbench-rloop",
]
"""Where a path in a code span may be rooted: the repository, the package
(``framework/...``, ``backends/...``), the framework (``model/trace.py``), and the
example plugin."""
OUTSIDE_THE_REPOSITORY = {"shared/design.md"}
"""The design notes the project started from, which the architecture page cites."""
EXAMPLE_PATHS = {"./s.jsonl", "d/../s.jsonl"}
"""Made-up paths that reliability.md names as one store spelled differently."""
PATH_SPAN = re.compile(r"[\w.-]+(?:/[\w.-]+)+\.(?:py|md|toml|sh|json|jsonl|png)")
MODULE_SPAN = re.compile(r"concbench(?:\.\w+)+")


def _tokens(page: Path) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8"))


def _inline_children(page: Path) -> list[Token]:
    return [
        child for token in _tokens(page) if token.type == "inline" for child in token.children or ()
    ]


@cache
def _anchors(page: Path) -> frozenset[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens, and a
    numeric suffix for a repeated heading."""
    tokens = _tokens(page)
    seen: dict[str, int] = {}
    anchors = set()
    for token, following in itertools.pairwise(tokens):
        if token.type != "heading_open":
            continue
        text = "".join(child.content for child in following.children or ())
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return frozenset(anchors)


def _links(page: Path) -> list[str]:
    found = []
    for child in _inline_children(page):
        if child.type == "link_open":
            found.append(str(child.attrs["href"]))
        elif child.type == "image":
            found.append(str(child.attrs["src"]))
    return found


def _problem(page: Path, link: str) -> str | None:
    if re.match(r"[a-z][a-z0-9+.-]*:", link):  # https:, mailto: ...: not checked offline
        return None
    path_part, _, anchor = link.partition("#")
    target = (page.parent / unquote(path_part)).resolve() if path_part else page
    if not target.exists():
        return None if target in PENDING else f"{link}: no file {_shown(target)}"
    if anchor and target.suffix == ".md" and anchor not in _anchors(target):
        return f"{link}: no heading #{anchor} in {_shown(target)}"
    return None


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_lands_on_a_file_and_heading(page: Path) -> None:
    links = _links(page)
    problems = [p for p in (_problem(page, link) for link in links) if p]
    assert problems == []


def test_the_link_checker_catches_a_broken_file_and_a_broken_anchor(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n## The `io` step: here\n\n[ok](#the-io-step-here) [bad](#nowhere) "
        "[gone](missing.md)\n\n```\n[in a code block](not-a-link.md)\n```\n",
        encoding="utf-8",
    )
    assert _links(page) == ["#the-io-step-here", "#nowhere", "missing.md"]
    assert _problem(page, "#the-io-step-here") is None
    assert "no heading #nowhere" in str(_problem(page, "#nowhere"))
    assert "no file" in str(_problem(page, "missing.md"))


def test_the_readme_is_short_and_links_every_doc() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines; move reference into docs/"
    assert len(_links(README)) > 10
    linked = {
        (README.parent / unquote(link.partition("#")[0])).resolve() for link in _links(README)
    }
    assert [doc.name for doc in DOCS if doc not in linked] == []


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_every_doc_opens_with_what_it_is_for(page: Path) -> None:
    tokens = _tokens(page)
    assert tokens[0].type == "heading_open", page.name
    assert tokens[0].tag == "h1", page.name
    opening = tokens[3]  # the heading is open, inline, close; then the first block
    assert opening.type == "paragraph_open", f"{page.name}: no paragraph under the title"
    assert len(tokens[4].content.split()) >= 15, f"{page.name}: the opening says too little"


def test_help_points_to_the_docs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    named = set(re.findall(r"(?:docs/)?[\w-]+\.md", help_text))
    assert {"README.md", "docs/commands.md"} <= named
    for name in named:
        assert (ROOT / name).exists() or ROOT / name in PENDING, name
    assert "concbench list" in help_text


def test_the_docs_point_to_help_and_list() -> None:
    text = "\n".join(doc.read_text(encoding="utf-8") for doc in DOCS)
    assert "concbench --help" in text
    assert "concbench list" in text


def _subcommands() -> list[str]:
    actions = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(actions) == 1
    return sorted(actions[0].choices)


def test_every_subcommand_is_documented() -> None:
    text = "\n".join(doc.read_text(encoding="utf-8") for doc in DOCS)
    names = _subcommands()
    assert {"list", "run", "compare", "report", "diff"} <= set(names)
    assert [name for name in names if f"concbench {name}" not in text] == []


def _code_spans(page: Path) -> list[str]:
    return [child.content for child in _inline_children(page) if child.type == "code_inline"]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_path_named_in_a_doc_exists(page: Path) -> None:
    """Catches the stale module paths a move leaves behind (``framework/decompose.py``)."""
    paths = [span for span in _code_spans(page) if PATH_SPAN.fullmatch(span)]
    missing = [p for p in paths if not any((root / p).exists() for root in PATH_ROOTS)]
    assert [
        p
        for p in missing
        if ROOT / p not in PENDING and p not in OUTSIDE_THE_REPOSITORY | EXAMPLE_PATHS
    ] == []


def _resolves(dotted: str) -> bool:
    """``concbench.framework.model.trace.ContractError``: the longest importable module
    prefix, then attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_module_named_in_a_doc_exists(page: Path) -> None:
    modules = [span for span in _code_spans(page) if MODULE_SPAN.fullmatch(span)]
    assert [m for m in modules if not _resolves(m)] == []


def test_the_module_check_catches_a_stale_name() -> None:
    assert _resolves("concbench.framework.model.trace.ContractError")
    assert _resolves("concbench.framework.burn")
    assert not _resolves("concbench.framework.cpuwork.burn")
    assert not _resolves("concbench.framework.decompose")


def test_the_plugin_guide_documents_every_backend_attribute_step_kind_and_helper() -> None:
    """A newcomer writes a backend from docs/plugins.md alone (issue 14): every attribute
    and hook of ``Backend``, every step kind, and the public helpers for CPU and io work
    must be in it."""
    from concbench import framework
    from concbench.framework import Backend, StepKind

    text = (ROOT / "docs" / "plugins.md").read_text()
    attributes = {name for name in vars(Backend) if not name.startswith("_")}
    attributes |= {name for name in Backend.__annotations__ if not name.startswith("_")}
    missing = sorted(name for name in attributes if f"`{name}" not in text)
    assert not missing, f"Backend attributes not in docs/plugins.md: {missing}"
    kinds = sorted(kind.value for kind in StepKind if f"`{kind.value}`" not in text)
    assert not kinds, f"step kinds not in docs/plugins.md: {kinds}"
    helpers = ["burn", "calibrate", "adopt", "encode_request", "check_reply", "REPLY"]
    assert all(hasattr(framework, helper) for helper in helpers)  # public, as documented
    for name in [*helpers, "io_target", "main_start", "--concbench-backend", "SIGTERM"]:
        assert f"`{name}" in text or name in text, name
