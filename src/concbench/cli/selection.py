"""Which backends a sweep runs, each with the ``-o`` options it declares.

An option that no selected backend declares is an error, not silently dropped: a typo in
``-o`` would otherwise measure the defaults under the name of what was asked for.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from rich.console import Console

from ..framework.measure.registry import Registry
from ..framework.model.params import ParameterError, did_you_mean, parse_assignments, shown
from ..framework.store.sanitize import for_terminal as escape

__all__ = ["Selected", "backends", "compare_variants"]

Selected = list[tuple[str, Mapping[str, object]]]
"""Backend names, each with the options it runs with."""


def backends(registry: Registry, args: argparse.Namespace) -> Selected:
    """Selected backends, each with the ``-o`` options it declares; unclaimed options fail."""
    names = args.backend or sorted(registry.backends)
    for name in names:
        registry.backend(name)
    options = parse_assignments(args.option, flag="-o/--option")
    claimed: set[str] = set()
    selected: Selected = []
    for name in dict.fromkeys(names):
        if name in registry.warnings:  # it runs, but its rows may be explained wrongly
            Console(stderr=True, soft_wrap=True).print(
                f"warning: backend {escape(name)}: {escape(registry.warnings[name])}"
            )
        declared = {option.name for option in registry.backend(name).options}
        claimed |= declared & options.keys()
        selected.append((name, {k: v for k, v in options.items() if k in declared}))
    for option in options.keys() - claimed:
        allowed = "; ".join(
            f"{name}: {', '.join(o.name for o in registry.backend(name).options) or 'none'}"
            for name, _ in selected
        )
        known = [o.name for name, _ in selected for o in registry.backend(name).options]
        raise ParameterError(
            f"-o/--option: no selected backend has option {shown(option)}"
            f"{did_you_mean(option, known)} (options: {allowed})"
        )
    return selected


def compare_variants(registry: Registry, selected: Selected, *, named: bool) -> Selected:
    """Each backend once per option set its ``compare`` lists, with the user's ``-o`` on top.

    A backend whose ``compare`` is empty stays out of the default matrix, unless ``-b``
    names it: then it runs with its defaults and the user's options.
    """
    variants: Selected = []
    for name, given in selected:
        backend = registry.backend(name)
        sets = backend.compare or (({},) if named else ())
        seen: set[tuple[tuple[str, object], ...]] = set()
        for variant in sets:
            options = {**variant, **given}
            key = tuple(sorted(backend.resolve_options(options).items()))
            if key not in seen:
                seen.add(key)
                variants.append((name, options))
    return variants
