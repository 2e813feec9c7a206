"""Which public names of JAX's modules functrans lacks.

For each JAX module (jax.numpy, jax.numpy.linalg, ...) and its functrans counterpart,
prints ``present/total`` and the missing names; names that /work/shared/API.md excludes
(sub-byte, float8 and bfloat16 dtypes; file I/O; print options) are counted apart.
Needs jax installed; run ``python tools/coverage.py [--quiet] [module ...]``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from typing import NamedTuple

# Run as a script, this file's folder is first on sys.path, where this module would shadow
# the ``coverage`` package Numba imports: the repository root takes its place.
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _HERE:
    sys.path[0] = os.path.dirname(_HERE)

MODULES = {
    "jax.numpy": "functrans.numpy",
    "jax.numpy.linalg": "functrans.numpy.linalg",
    "jax.numpy.fft": "functrans.numpy.fft",
    "jax.scipy.special": "functrans.scipy.special",
    "jax.scipy.linalg": "functrans.scipy.linalg",
    "jax.scipy.stats": "functrans.scipy.stats",
    "jax.nn": "functrans.nn",
    "jax.random": "functrans.random",
    "jax.lax": "functrans.lax",
    "jax.lax.linalg": "functrans.lax.linalg",
    "jax.tree_util": "functrans.tree_util",
}

# API.md's exclusions: sub-byte, float8 and bfloat16 dtypes; file I/O; print options; and the
# primitive objects (``add_p``...), which need not match JAX's.
_EXCLUDED = re.compile(
    r"^(bfloat16|float[468]_\w+|u?int[124]|load|save|savez|fromfile|frombuffer|from_dlpack"
    r"|printoptions|get_printoptions|set_printoptions|\w+_p)$"
)


class Coverage(NamedTuple):
    jax_module: str
    ours: str
    present: list[str]
    missing: list[str]
    excluded: list[str]

    @property
    def total(self) -> int:
        return len(self.present) + len(self.missing)


def public_names(module: object) -> set[str]:
    names = getattr(module, "__all__", None) or dir(module)
    return {n for n in names if not n.startswith("_")}


def _import(name: str) -> object | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def coverage(jax_module: str, ours: str) -> Coverage:
    """Present, missing and excluded public names of ``jax_module`` in ``ours``."""
    theirs = public_names(importlib.import_module(jax_module))
    mine = _import(ours)
    excluded = sorted(n for n in theirs if _EXCLUDED.match(n))
    wanted = sorted(theirs - set(excluded))
    present = [n for n in wanted if mine is not None and hasattr(mine, n)]
    missing = [n for n in wanted if mine is None or not hasattr(mine, n)]
    return Coverage(jax_module, ours, present, missing, excluded)


def report(results: list[Coverage], quiet: bool = False) -> str:
    lines = []
    for r in results:
        lines.append(f"{r.jax_module:20s} -> {r.ours:26s} {len(r.present):4d}/{r.total:<4d} present, "
                     f"{len(r.missing)} missing, {len(r.excluded)} excluded by API.md")
        if not quiet and r.missing:
            lines.append("    missing: " + " ".join(r.missing))
        if not quiet and r.excluded:
            lines.append("    excluded: " + " ".join(r.excluded))
    present = sum(len(r.present) for r in results)
    total = sum(r.total for r in results)
    lines.append(f"{'all':20s}    {'':26s} {present:4d}/{total:<4d} present")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="JAX modules to check (default: all)")
    parser.add_argument("--quiet", action="store_true", help="counts only, no name lists")
    args = parser.parse_args(argv)
    if _import("jax") is None:
        print("jax is not installed: nothing to compare against", file=sys.stderr)
        return 1
    chosen = args.modules or list(MODULES)
    unknown = [m for m in chosen if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    print(report([coverage(m, MODULES[m]) for m in chosen], args.quiet))
    return 0


if __name__ == "__main__":
    sys.exit(main())
