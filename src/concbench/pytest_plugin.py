"""A pytest plugin (entry point ``pytest11``): write scenario checks as ordinary tests.

A test that takes the ``concbench_backend`` fixture runs once per available backend and
each variant it lists for comparison (``anyio`` on asyncio and on trio), as anyio's own
``anyio_backend`` fixture does; a backend whose library is missing is skipped with its
install hint::

    from concbench.framework import Task, Workload, sleep

    def test_sleeps_overlap(concbench_backend):
        workload = Workload(tasks=(Task((sleep(0.2),)),) * 2)
        trace = concbench_backend.run(workload)
        assert trace.wall_s < 0.6 * workload.serial_s

``--concbench-backend NAME`` (repeatable) keeps the backends so named, with every variant
each lists (``anyio`` gives anyio on asyncio and on trio), or one variant by its label
(``'anyio(backend=trio)'``): ``pytest --concbench-backend mine`` tests only your own.

The plugin loads concbench's registry only when a test asks for the fixture, so it costs
nothing in test suites that do not use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from . import testing
from .framework import Backend, Trace, Workload
from .framework.measure.registry import default_registry

__all__ = ["BackendUnderTest", "concbench_backend"]


@dataclass(frozen=True)
class BackendUnderTest:
    """One backend with one set of options, as a test receives it."""

    cls: type[Backend]
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.cls.name

    @property
    def label(self) -> str:
        """As report rows are labelled: ``anyio(backend=trio)``."""
        if not self.options:
            return self.name
        return f"{self.name}({', '.join(f'{k}={v}' for k, v in sorted(self.options.items()))})"

    def run(self, workload: Workload, **options: Any) -> Trace:
        """One run of ``workload``, its trace checked against the contract (a fresh process
        for a backend that must own one); ``options`` add to the variant's."""
        return testing.run(self.cls, workload, **{**self.options, **options})


def _variants() -> list[BackendUnderTest]:
    variants = []
    for cls in (backend for _, backend in sorted(default_registry().backends.items())):
        for options in cls.compare or ({},):
            variants.append(BackendUnderTest(cls, cls.resolve_options(options)))
    return variants


OPTION = "--concbench-backend"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("concbench").addoption(
        OPTION,
        action="append",
        default=[],
        metavar="NAME",
        help="run tests that take the concbench_backend fixture on this backend only "
        "(repeatable): a name, for every variant it lists, or one variant's label",
    )


def pytest_configure(config: pytest.Config) -> None:
    """An unknown ``--concbench-backend`` is a usage error before anything is collected."""
    names = config.getoption("concbench_backend")
    if not names:
        return  # the registry stays unloaded
    variants = _variants()
    known = {variant.name for variant in variants} | {variant.label for variant in variants}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise pytest.UsageError(
            f"{OPTION}: unknown backend {unknown[0]!r}; known: "
            f"{', '.join(sorted({variant.name for variant in variants}))}"
        )


def _chosen(variants: list[BackendUnderTest], names: list[str]) -> list[BackendUnderTest]:
    """The variants ``--concbench-backend`` keeps (all without it)."""
    if not names:
        return variants
    return [v for v in variants if v.name in names or v.label in names]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "concbench_backend" in metafunc.fixturenames:
        variants = _chosen(_variants(), metafunc.config.getoption("concbench_backend"))
        metafunc.parametrize(
            "concbench_backend", variants, ids=[v.label for v in variants], indirect=True
        )


@pytest.fixture
def concbench_backend(request: pytest.FixtureRequest) -> BackendUnderTest:
    """Each available backend variant in turn; unavailable ones are skipped with the reason."""
    variant: BackendUnderTest = request.param
    every_option = {option.name: option.default for option in variant.cls.options}
    reason = variant.cls.unavailable_reason({**every_option, **variant.options})
    if reason:
        pytest.skip(reason)
    return variant
