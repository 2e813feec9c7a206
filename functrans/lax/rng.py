"""Low-level random numbers and tokens: ``rng_bit_generator`` (stateless: a key in, a new key
and bits out), ``rng_uniform`` (stateful), ``random_gamma_grad``, ``RandomAlgorithm``, and
the ordering tokens ``create_token``/``after_all``.

``rng_bit_generator`` is the Philox-4x32-10 counter-based generator of Salmon et al.
("Parallel random numbers: as easy as 1, 2, 3", SC 2011), written with ``mulhi`` and
integer arithmetic, so it is deterministic and runs under ``jit`` and ``vmap`` (over keys)
like any composition. Its streams are not XLA's.

Tokens order side effects in XLA; functrans has none to order, so a token is an opaque
pytree with no leaves: it passes through every transformation and costs nothing.
"""
from __future__ import annotations

import enum
import itertools
import math
from typing import Any, Sequence

import numpy as np

from .. import core, dtypes
from ..autodiff import defzero
from ..batching import batching_rules, bdim_at_front
from ..core import Primitive, ShapedArray
from ..errors import DTypeError, ShapeError
from ..lowering import def_statement
from ..tree_util import register_pytree_node
from . import elementwise as _ew
from . import shape as _sh
from ._threefry import threefry2x32_rounds
from .bits import bitcast_convert_type, mulhi
from .special import igamma_grad_a


class RandomAlgorithm(enum.IntEnum):
    """The generator ``rng_bit_generator`` uses (each value selects its own Philox stream here)."""

    RNG_DEFAULT = 0
    RNG_THREE_FRY = 1
    RNG_PHILOX = 2

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- rng_bit_generator

_PHILOX_MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
_PHILOX_WEYL = (0x9E3779B9, 0xBB67AE85)  # the key schedule's increments (golden ratio, sqrt(3) - 1)
_BIT_DTYPES = {np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64)}


def _philox(key: tuple[Any, Any], counter: list[Any]) -> list[Any]:
    """Ten Philox-4x32 rounds on uint32 counter words (arrays of one shape) under a 2-word key."""
    k0, k1 = key
    c0, c1, c2, c3 = counter
    m0, m1 = (_sh.full_like(c0, m, np.uint32) for m in _PHILOX_MULTIPLIERS)
    for _ in range(10):
        hi0, lo0 = mulhi(m0, c0), _ew.mul(m0, c0)
        hi1, lo1 = mulhi(m1, c2), _ew.mul(m1, c2)
        c0, c1, c2, c3 = _ew.bitwise_xor(_ew.bitwise_xor(hi1, c1), k0), lo1, _ew.bitwise_xor(_ew.bitwise_xor(hi0, c3), k1), lo0
        k0, k1 = _ew.add(k0, _PHILOX_WEYL[0]), _ew.add(k1, _PHILOX_WEYL[1])
    return [c0, c1, c2, c3]


def _key_words(key: Any) -> tuple[Any, bool]:
    """The key as uint32[4] (from uint32[4] or uint64[2]), and whether it came as uint64."""
    aval = core.get_aval(key)
    if (aval.shape, aval.dtype) == ((4,), np.uint32):
        return key, False
    if (aval.shape, aval.dtype) == ((2,), np.uint64):
        return _sh.reshape(bitcast_convert_type(key, np.uint32), (4,)), True
    raise TypeError(f"rng_bit_generator: the key must be uint32[4] or uint64[2], got {aval.str_short()}")


def rng_bit_generator(key: Any, shape: Sequence[int], dtype: Any = np.uint32,
                      algorithm: RandomAlgorithm = RandomAlgorithm.RNG_DEFAULT, *,
                      out_sharding: Any = None) -> tuple[Any, Any]:
    """Random bits of ``shape`` and unsigned ``dtype`` from ``key`` (uint32[4] or uint64[2]),
    and the key to use next; the same key always gives the same bits. ``out_sharding`` is
    accepted for compatibility (one device).

    >>> new_key, bits = rng_bit_generator(np.array([0, 1, 2, 3], np.uint32), (2, 3), np.uint8)
    >>> bits.shape, bits.dtype, new_key.dtype
    ((2, 3), dtype('uint8'), dtype('uint32'))
    """
    shape = tuple(int(d) for d in shape)
    dtype = np.dtype(dtype)
    if dtype not in _BIT_DTYPES:
        raise TypeError(f"rng_bit_generator: unsupported dtype {dtype}")
    algorithm = RandomAlgorithm(algorithm)
    words, wide_key = _key_words(key)
    k = [_sh.reshape(_sh.slice(words, (i,), (i + 1,)), ()) for i in range(4)]
    count = math.prod(shape) * (2 if dtype.itemsize == 8 else 1)
    blocks = -(-count // 4)
    # Counter: (block index, algorithm, key words 2 and 3); the block of index 0 under the
    # top bit of the second word makes the next key.
    index = _sh.iota(np.uint32, blocks + 1)
    second = _sh.full((blocks + 1,), int(algorithm), np.uint32)
    second = _ew.select_n(_ew.eq(index, blocks), second, _sh.full_like(second, (1 << 31) | int(algorithm)))
    index = _ew.select_n(_ew.eq(index, blocks), index, _sh.zeros_like(index))
    high = [_sh.broadcast_in_dim(w, (blocks + 1,), ()) for w in k[2:]]
    out = _philox((_sh.broadcast_in_dim(k[0], (blocks + 1,), ()), _sh.broadcast_in_dim(k[1], (blocks + 1,), ())),
                  [index, second, *high])
    table = _sh.concatenate([_sh.reshape(w, (blocks + 1, 1)) for w in out], 1)  # (blocks + 1, 4)
    new_key = _sh.reshape(_sh.slice(table, (blocks, 0), (blocks + 1, 4)), (4,))
    stream = _sh.slice(_sh.reshape(_sh.slice(table, (0, 0), (blocks, 4)), (4 * blocks,)), (0,), (count,))
    if dtype.itemsize == 8:
        pairs = _sh.reshape(_ew.convert_element_type(stream, np.uint64), (count // 2, 2))
        hi, lo = (_sh.reshape(_sh.slice(pairs, (0, j), (count // 2, j + 1)), (count // 2,)) for j in (0, 1))
        stream = _ew.bitwise_or(_ew.shift_left(hi, 32), lo)
    else:
        stream = _ew.convert_element_type(stream, dtype)  # the low bits of each word
    if wide_key:
        new_key = bitcast_convert_type(_sh.reshape(new_key, (2, 2)), np.uint64)
    return new_key, _sh.reshape(stream, shape)


# --------------------------------------------------------------------------- threefry2x32

threefry2x32_p = Primitive("threefry2x32", multiple_results=True)


def threefry2x32(k0: Any, k1: Any, x0: Any, x1: Any) -> tuple[Any, Any]:
    """Threefry-2x32 (20 rounds) of the uint32 counter pairs ``(x0, x1)`` (arrays of one shape)
    under the key words ``(k0, k1)``: uint32 scalars, or arrays of the counters' shape (one
    key per pair). One primitive, as JAX's, so that compiled code calls one precompiled
    kernel instead of compiling the cipher's 200 operations into every program.

    >>> [hex(int(w[0])) for w in threefry2x32(np.uint32(0), np.uint32(0), np.zeros(1, np.uint32), np.zeros(1, np.uint32))]
    ['0x6b200159', '0x99ba4efe']
    """
    return tuple(core.bind(threefry2x32_p, [k0, k1, x0, x1], {}))


@threefry2x32_p.def_impl
def _threefry2x32_impl(k0, k1, x0, x1):
    with np.errstate(over="ignore"):  # uint32 arithmetic wraps, as the cipher needs
        return [np.asarray(w, np.uint32) for w in threefry2x32_rounds(*(np.asarray(a) for a in (k0, k1, x0, x1)))]


@threefry2x32_p.def_abstract_eval
def _threefry2x32_abstract_eval(k0, k1, x0, x1):
    if any(a.dtype != np.uint32 for a in (k0, k1, x0, x1)):
        raise TypeError("threefry2x32: the key words and counters must be uint32, got "
                        + ", ".join(a.str_short() for a in (k0, k1, x0, x1)))
    if x0.shape != x1.shape or k0.shape != k1.shape or k0.shape not in ((), x0.shape):
        raise TypeError("threefry2x32: the counters must have one shape and the key words either shape () or "
                        f"the counters', got {', '.join(a.str_short() for a in (k0, k1, x0, x1))}")
    return [ShapedArray(x0.shape, np.uint32)] * 2


def _threefry2x32_batch(size, vals, dims):
    # Every operand gets the batch axis in front and the counters' full shape, except keys of
    # shape () that no example maps over: they stay one key for every pair.
    x_shape = list(core.get_aval(vals[2]).shape)
    if dims[2] is not None:
        del x_shape[dims[2]]
    full = (size, *x_shape)

    def spread(v, d):
        v = bdim_at_front(v, d, size)
        return v if core.get_aval(v).shape == full else _sh.broadcast_in_dim(v, full, (0,))

    k0, k1, x0, x1 = vals
    if dims[0] is not None or dims[1] is not None or core.get_aval(k0).ndim:
        k0, k1 = spread(k0, dims[0]), spread(k1, dims[1])
    return list(threefry2x32(k0, k1, spread(x0, dims[2]), spread(x1, dims[3]))), [0, 0]


batching_rules[threefry2x32_p] = _threefry2x32_batch
defzero(threefry2x32_p)


@def_statement(threefry2x32_p, fresh=True)
def _threefry2x32_lowering(em, eqn, args, outs):
    for var in eqn.out_binders:
        em.allocate(var)
    flat = [f"{a}.reshape(({x.aval.size},))" for a, x in zip(args + outs, eqn.inputs + eqn.out_binders)]
    em.emit(f"kernels.threefry2x32({', '.join(flat)})")


# --------------------------------------------------------------------------- rng_uniform

rng_uniform_p = Primitive("rng_uniform")
# A process-wide stream (stateful, as XLA's RngUniform): seeded, so a run is reproducible.
_uniform_state = np.random.default_rng(0)
# The compiler's passes take equations for pure functions of their inputs and params: a
# draw number in the params keeps two draws from being merged (common subexpressions),
# and every draw is an array, so none is folded into a compile-time constant.
_draws = itertools.count()


def _bind_uniform(a: Any, b: Any, shape: tuple) -> Any:
    drawn = rng_uniform_p.bind(a, b, shape=shape or (1,), draw=next(_draws))
    return drawn if shape else _sh.reshape(drawn, ())


@rng_uniform_p.def_impl
def _rng_uniform_impl(a, b, *, shape, draw):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f":
        return [(a + (b - a) * _uniform_state.random(shape)).astype(a.dtype)]
    return [_uniform_state.integers(a, np.maximum(a + 1, b), size=shape).astype(a.dtype)]


@rng_uniform_p.def_abstract_eval
def _rng_uniform_abstract_eval(a, b, *, shape, draw):
    if a.dtype != b.dtype:
        raise DTypeError(f"Arguments to rng_uniform must have identical dtypes, got {a.dtype} and {b.dtype}.")
    if a.shape != () or b.shape != ():
        raise ShapeError(f"Arguments to rng_uniform must be scalars; got shapes {a.shape} and {b.shape}.")
    dtypes.check_kinds("rng_uniform", a, "iuf")
    return [ShapedArray(shape, a.dtype, a.weak_type and b.weak_type)]


def _rng_uniform_batch(size, vals, dims, *, shape, draw):
    # Draw on [0, 1) for every example, then stretch each to its own interval.
    a, b = (bdim_at_front(v, d, size) for v, d in zip(vals, dims))
    dtype = core.get_aval(a).dtype
    full_shape = (size,) + tuple(shape)
    a, b = (_sh.broadcast_in_dim(v, full_shape, (0,)) for v in (a, b))
    if dtype.kind == "f":
        u = _bind_uniform(np.zeros((), dtype), np.ones((), dtype), full_shape)
        return [_ew.add(a, _ew.mul(_ew.sub(b, a), u))], [0]
    u = _bind_uniform(np.float64(0), np.float64(1), full_shape)
    span = _ew.convert_element_type(_ew.max(_ew.sub(b, a), _sh.full_like(a, 1)), np.float64)
    return [_ew.add(a, _ew.convert_element_type(_ew.floor(_ew.mul(span, u)), dtype))], [0]


batching_rules[rng_uniform_p] = _rng_uniform_batch
defzero(rng_uniform_p)


@def_statement(rng_uniform_p, fresh=True)
def _rng_uniform_lowering(em, eqn, args, outs):
    # Numba's own generator: compiled code draws a stream of its own.
    out = eqn.out_binders[0].aval
    em.allocate(eqn.out_binders[0])
    flat, i = em.fresh("flat"), em.fresh("i")
    a, b = (em.read_scalar(x) for x in eqn.inputs)
    draw = f"{a} + ({b} - {a}) * np.random.random()" if out.dtype.kind == "f" else f"np.random.randint({a}, max({a} + 1, {b}))"
    em.emit(f"{flat} = {outs[0]}.reshape(({out.size},))")
    em.emit(f"for {i} in range({out.size}):")
    em.emit(f"{flat}[{i}] = {draw}", 2)


def rng_uniform(a: Any, b: Any, shape: Sequence[int]) -> Any:
    """Uniform random numbers in ``[a, b)`` of ``shape`` from a stateful generator (each call
    draws new ones; prefer ``functrans.random``).

    >>> u = rng_uniform(np.float32(2.0), np.float32(3.0), (1000,))
    >>> u.dtype, bool(u.min() >= 2.0), bool(u.max() < 3.0)
    (dtype('float32'), True, True)
    """
    a = np.asarray(a) if type(a) in core._PY_SCALARS else a
    b = np.asarray(b) if type(b) in core._PY_SCALARS else b
    return _bind_uniform(a, b, tuple(int(d) for d in shape))


# --------------------------------------------------------------------------- random_gamma_grad


def random_gamma_grad(a: Any, x: Any) -> Any:
    """The derivative of a Gamma(``a``, 1) sample ``x`` with respect to ``a``, at fixed
    probability: ``-(dP/da) / (dP/dx)`` for the regularised incomplete gamma ``P(a, x)``.

    >>> np.round(random_gamma_grad(np.array([0.5, 2.0]), np.array([0.3, 1.5])), 4)
    array([1.0098, 0.9366])
    """
    a, x = (np.asarray(v) if type(v) in core._PY_SCALARS or isinstance(v, np.ndarray) else v for v in (a, x))
    aval = core.get_aval(a)
    dtypes.check_kinds("random_gamma_grad", aval, "f")
    zero, one = _sh.zeros_like(a), _sh.full_like(a, 1)
    invalid = _ew.bitwise_or(_ew.lt(x, zero), _ew.le(a, zero))
    at_zero = _ew.eq(x, zero)
    # Out of the domain the formula is not evaluated (no warnings, no NaN in derivatives).
    a_safe = _ew.select_n(invalid, a, one)
    x_safe = _ew.select_n(_ew.bitwise_or(invalid, at_zero), x, one)
    # 1 / (dP/dx) = Gamma(a) x**(1-a) e**x, in log space so it overflows only where it must.
    log_density = _ew.sub(_ew.sub(_ew.mul(_ew.sub(a_safe, 1.0), _ew.log(x_safe)), x_safe), _ew.lgamma(a_safe))
    grad = _ew.neg(_ew.mul(igamma_grad_a(a_safe, x_safe), _ew.exp(_ew.neg(log_density))))
    grad = _ew.select_n(at_zero, grad, zero)
    return _ew.select_n(invalid, grad, _sh.full_like(grad, np.nan))


# --------------------------------------------------------------------------- tokens


class Token:
    """An ordering token (opaque): a pytree with no leaves, so transformations pass it through."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Token()"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Token)

    def __hash__(self) -> int:
        return hash(Token)


register_pytree_node(Token, lambda token: ((), None), lambda aux, children: Token())


def create_token(_: Any = None) -> Token:
    """A new token; the argument is ignored (it exists for compatibility, as in JAX).

    >>> after_all(create_token(), create_token())
    Token()
    """
    return Token()


def after_all(*operands: Token) -> Token:
    """A token that follows all of ``operands`` (which must be tokens)."""
    if not all(isinstance(t, Token) for t in operands):
        raise TypeError("Arguments to after_all must be tokens")
    return Token()
