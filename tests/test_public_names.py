"""Each public module's names are its documented API: JAX's (or optax's) names for that
module plus the extensions listed here and in the README, and nothing its implementation
happened to import."""
from __future__ import annotations

import __future__
import collections.abc
import importlib
import types
import typing

import pytest

# functrans module -> the module whose names it follows.
COUNTERPARTS = {
    "functrans": "jax",
    "functrans.numpy": "jax.numpy",
    "functrans.numpy.linalg": "jax.numpy.linalg",
    "functrans.numpy.fft": "jax.numpy.fft",
    "functrans.lax": "jax.lax",
    "functrans.lax.linalg": "jax.lax.linalg",
    "functrans.nn": "jax.nn",
    "functrans.nn.initializers": "jax.nn.initializers",
    "functrans.random": "jax.random",
    "functrans.scipy": "jax.scipy",
    "functrans.scipy.special": "jax.scipy.special",
    "functrans.scipy.linalg": "jax.scipy.linalg",
    "functrans.scipy.stats": "jax.scipy.stats",
    "functrans.scipy.signal": "jax.scipy.signal",
    "functrans.tree": "jax.tree",
    "functrans.tree_util": "jax.tree_util",
    "functrans.test_util": "jax.test_util",
    "functrans.optim": "optax",
    "functrans.optim.schedules": "optax.schedules",
    "functrans.optim.losses": "optax.losses",
}

# Names functrans adds to a module, each documented where it is defined and in the README.
EXTENSIONS = {
    "functrans": {
        "hvp", "stop_gradient", "ShapedArray", "cache_info", "clear_disk_cache",
        "CacheWarning", "CompilationError", "CompilationWarning", "ConcretizationError",
        "TracerBoolConversionError", "UnexpectedTracerError", "ShapeError", "DTypeError",
    },
    # `at(x)[i].set(v)` and `getitem(x, i)` are `x.at[i].set(v)` and `x[i]` with JAX's semantics
    # (clamped reads, traced indices) for NumPy arrays, which have neither; `fix` is NumPy's.
    "functrans.numpy": {"at", "getitem", "fix"},
    # The result types of the factorisations, by the names NumPy gives them.
    "functrans.numpy.linalg": {"EigResult", "EighResult", "LstsqResult", "QRResult", "SVDResult", "SlogdetResult"},
    # Binders of functrans's own primitives that jax.lax keeps private.
    "functrans.lax": {"add_any", "argsort", "frexp_exponent", "ldexp", "signbit", "take_along_axis", "trigamma", "zeros_like"},
    "functrans.random": {"threefry_2x32"},
    "functrans.scipy.stats": {"ModeResult"},
    # State types optax keeps in private modules, public here for isinstance checks.
    "functrans.optim": {
        "ScaleByOptimisticGradientState", "ScaleByRStdDevWithCountState", "ScaleByRmsWithCountState",
        "StatefulSchedule", "WeightDecaySchedule",
    },
}


def public_names(module: types.ModuleType) -> dict[str, object]:
    """The module's public attributes, less its own subpackages (the layout the README documents)."""
    names = {}
    for name, value in vars(module).items():
        own_submodule = isinstance(value, types.ModuleType) and value.__name__.startswith(module.__name__ + ".")
        # Not identifiers ("@py_builtins"): pytest's assertion rewriting, which takes test_util for a test.
        if name.isidentifier() and not name.startswith("_") and not own_submodule:
            names[name] = value
    return names


TYPING_NAMES = set(dir(typing)) | set(dir(collections.abc))


def leaked(name: str, value: object) -> bool:
    """An import of the implementation's, not an API name: a foreign module, a ``from
    __future__`` feature, or a typing construct under its own name (``Any``, ``Sequence``;
    an alias such as optax's ``Params = Any`` is API)."""
    if isinstance(value, types.ModuleType):
        return not value.__name__.startswith("functrans")
    if isinstance(value, __future__._Feature):
        return True
    return name in TYPING_NAMES and value is getattr(typing, name, getattr(collections.abc, name, None))


@pytest.mark.parametrize("name", sorted(COUNTERPARTS))
def test_no_public_name_is_an_implementation_import(name):
    module = importlib.import_module(name)
    leaks = sorted(n for n, v in public_names(module).items() if leaked(n, v))
    assert not leaks, f"{name} leaks its imports as public names: {leaks}"


@pytest.mark.parametrize("name", sorted(COUNTERPARTS))
def test_all_lists_exactly_the_public_names(name):
    module = importlib.import_module(name)
    declared = getattr(module, "__all__", None)
    if declared is None:
        pytest.skip(f"{name} declares no __all__")
    public = set(public_names(module))
    own = {n for n in declared if not isinstance(getattr(module, n), types.ModuleType)}
    assert public == own, f"{name}: public but not in __all__ {sorted(public - own)}, in __all__ but absent {sorted(own - public)}"


@pytest.mark.parametrize("name", sorted(COUNTERPARTS))
def test_public_names_are_the_counterparts_or_documented_extensions(name):
    reference = COUNTERPARTS[name]
    pytest.importorskip(reference.split(".")[0])
    theirs = {n for n in dir(importlib.import_module(reference)) if not n.startswith("_")}
    module = importlib.import_module(name)
    undocumented = sorted(set(public_names(module)) - theirs - EXTENSIONS.get(name, set()))
    assert not undocumented, f"{name} has names that {reference} lacks and the README does not list: {undocumented}"



@pytest.mark.parametrize("name", sorted(COUNTERPARTS))
def test_every_public_function_has_a_docstring(name):
    module = importlib.import_module(name)
    bare = sorted(
        n for n, v in public_names(module).items()
        if isinstance(v, types.FunctionType) and not (v.__doc__ or "").strip()
    )
    assert not bare, f"{name}: public functions without a docstring: {bare}"
