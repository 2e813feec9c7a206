"""Every primitive carries every rule its kind needs (the recipe in CONTRIBUTING.md)."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import functrans
from functrans.autodiff import jvp_rules
from functrans.batching import batching_rules
from functrans.core import Primitive
from functrans.lowering import Kind, generator_rules, index_rules, reduction_rules, scalar_rules, statement_rules

# The table each kind's lowering lives in.
LOWERING_TABLE = {
    Kind.ELEMENTWISE: scalar_rules, Kind.REDUCTION: reduction_rules, Kind.GENERATOR: generator_rules,
    Kind.INDEX_MAP: index_rules, Kind.STATEMENT: statement_rules, Kind.CALL: None,
}


def all_primitives() -> dict[str, Primitive]:
    """Every primitive defined at the top level of a functrans module, by qualified name."""
    found: dict[int, tuple[str, Primitive]] = {}
    modules = [functrans] + [importlib.import_module(m.name) for m in pkgutil.walk_packages(functrans.__path__, "functrans.")
                             if "__main__" not in m.name]
    for module in modules:
        for attr, value in vars(module).items():
            if isinstance(value, Primitive) and id(value) not in found:
                found[id(value)] = (f"{module.__name__}.{attr}", value)
    return dict(found.values())


PRIMITIVES = all_primitives()


def test_the_package_defines_primitives():
    assert len(PRIMITIVES) > 80


@pytest.mark.parametrize("where", sorted(PRIMITIVES))
def test_primitive_has_every_rule_its_kind_requires(where):
    prim = PRIMITIVES[where]
    takes_operands = prim.kind is not Kind.GENERATOR  # nothing to differentiate or batch otherwise
    missing = [name for name, present in [
        ("impl", prim.impl is not None),
        ("abstract eval", prim.abstract_eval is not None),
        ("jvp rule (defjvp, deflinear or defzero)", prim in jvp_rules or not takes_operands),
        ("batching rule", prim in batching_rules or not takes_operands),
        ("lowering (a functrans.lowering.def_* call giving it a kind)", prim.kind is not None),
    ] if not present]
    table = LOWERING_TABLE.get(prim.kind)
    if table is not None and prim not in table:
        missing.append(f"the {prim.kind.value} rule its kind needs")
    if prim.kind is Kind.INDEX_MAP and not prim.looped and prim not in statement_rules:
        missing.append("a statement rule (an index map that is not looped is a view)")
    assert not missing, f"{where} lacks: {', '.join(missing)}"
