"""The IR: the printer (JAX's notation, checked on snapshots), the type checker
(accepts what tracing produces, rejects hand-broken jaxprs with a message saying
what is wrong and where), eval_jaxpr and dead-code elimination."""
from __future__ import annotations

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.core import ShapedArray
from functrans.ir import ClosedJaxpr, Eqn, Jaxpr, JaxprTypeError, Literal, Var, dce_jaxpr, eval_jaxpr, typecheck_jaxpr
from functrans.lax.elementwise import add_p, mul_p, sin_p

F64_3 = ShapedArray((3,), np.float64)
F32_3 = ShapedArray((3,), np.float32)
CLOSURE_CONSTANT = np.arange(3.0)

# --------------------------------------------------------------------------- printer

SNAPSHOTS = [
    (fnp.sin, (np.ones(3),), "{ lambda ; a:f64[3]. let b:f64[3] = sin a in (b,) }"),
    # A closure's array becomes a constvar, before the ';'.
    (lambda x: x * CLOSURE_CONSTANT, (np.ones(3),), "{ lambda a:f64[3]; b:f64[3]. let c:f64[3] = mul b a in (c,) }"),
    (lambda x: fnp.sum(x, axis=0), (np.ones((2, 3)),), "{ lambda ; a:f64[2,3]. let b:f64[3] = reduce_sum[axes=(0,)] a in (b,) }"),
    # A Python scalar input is weakly typed but prints by its dtype; a scalar constant is a literal.
    (lambda x: x + 1, (np.int32(1),), "{ lambda ; a:i32[]. let b:i32[] = add a 1:i32[] in (b,) }"),
    (lambda x: x, (1.0,), "{ lambda ; a:f64[]. let in (a,) }"),
    (lambda x: 1.0, (np.ones(2),), "{ lambda ; a:f64[2]. let in (1.0:f64[],) }"),
    (
        lambda x: x.astype(np.int32) > 1,
        (np.ones(2),),
        "{ lambda ; a:f64[2]. let\n"
        "    b:i32[2] = convert_element_type[new_dtype=int32 weak_type=False] a\n"
        "    c:i32[2] = broadcast_in_dim[shape=(2,) broadcast_dimensions=()] 1:i32[]\n"
        "    d:bool[2] = gt b c\n"
        "  in (d,) }",
    ),
    (
        lambda x, y: (x @ y, x.T),
        (np.ones((2, 3), np.float32), np.ones(3, np.float32)),
        "{ lambda ; a:f32[2,3] b:f32[3]. let\n"
        "    c:f32[3,1] = reshape[new_sizes=(3, 1)] b\n"
        "    d:f32[2,1] = dot_general[dimension_numbers=(((1,), (0,)), ((), ()))] a c\n"
        "    e:f32[2] = squeeze[dimensions=(1,)] d\n"
        "    f:f32[3,2] = transpose[permutation=(1, 0)] a\n"
        "  in (e, f) }",
    ),
]


@pytest.mark.parametrize("fn, args, expected", SNAPSHOTS, ids=range(len(SNAPSHOTS)))
def test_printer_matches_snapshot(fn, args, expected):
    closed = ft.make_jaxpr(fn)(*args)
    assert str(closed) == expected
    assert repr(closed) == expected
    assert str(closed.jaxpr) == expected


def test_variable_names_continue_after_z():
    def chain(x):
        for _ in range(30):
            x = fnp.sin(x)
        return x

    text = str(ft.make_jaxpr(chain)(1.0))
    lines = text.splitlines()
    assert lines[0] == "{ lambda ; a:f64[]. let"
    assert lines[26].strip() == "ba:f64[] = sin z"
    assert lines[-1] == "  in (be,) }"


def test_names_restart_in_every_printed_jaxpr():
    closed = ft.make_jaxpr(fnp.cos)(np.ones(2))
    assert str(closed) == str(closed) == "{ lambda ; a:f64[2]. let b:f64[2] = cos a in (b,) }"


# --------------------------------------------------------------------------- type checking

TRACED_PROGRAMS = [
    (fnp.sin, (np.ones(3),)),
    (lambda x: x * CLOSURE_CONSTANT + 1.0, (np.ones(3),)),
    (lambda x, y: (x @ y).sum(axis=0, keepdims=True), (np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))),
    (lambda x: fnp.where(x > 0, x, -x)[::-1, None], (np.arange(4.0),)),
    (lambda x: x.at[np.array([0, 0, 2])].add(1.0), (np.zeros(4),)),
    (lambda x, i: fnp.take(x, i), (np.arange(5.0), np.array([1, 7]))),
    (lambda x: fnp.concatenate([x, x[:1]]).mean(), (np.arange(3, dtype=np.int32),)),
    (lambda d: {"out": d["a"] * d["b"]}, ({"a": 1.0, "b": np.ones(2)},)),
    (lambda x: fnp.linalg.norm(x, axis=-1), (np.ones((2, 3)),)),
]


@pytest.mark.parametrize("fn, args", TRACED_PROGRAMS, ids=range(len(TRACED_PROGRAMS)))
def test_typecheck_accepts_traced_jaxprs(fn, args):
    typecheck_jaxpr(ft.make_jaxpr(fn)(*args).jaxpr)


def test_typecheck_rejects_a_binder_of_the_wrong_type():
    a, b = Var(F64_3), Var(F32_3)
    broken = Jaxpr([], [a], [Eqn(sin_p, [a], {}, [b])], [b])
    with pytest.raises(JaxprTypeError, match=r"equation 0 .*sin.* has type f32\[3\] but the primitive gives f64\[3\]"):
        typecheck_jaxpr(broken)


def test_typecheck_rejects_an_unbound_variable():
    a, b, stray = Var(F64_3), Var(F64_3), Var(F64_3)
    with pytest.raises(JaxprTypeError, match=r"equation 0 .*used before it is bound"):
        typecheck_jaxpr(Jaxpr([], [a], [Eqn(sin_p, [stray], {}, [b])], [b]))
    with pytest.raises(JaxprTypeError, match="output .* is not bound"):
        typecheck_jaxpr(Jaxpr([], [a], [], [stray]))


def test_typecheck_rejects_a_variable_bound_twice():
    a, b = Var(F64_3), Var(F64_3)
    with pytest.raises(JaxprTypeError, match="equation 1 .*bound twice"):
        typecheck_jaxpr(Jaxpr([], [a], [Eqn(sin_p, [a], {}, [b]), Eqn(sin_p, [b], {}, [b])], [b]))
    with pytest.raises(JaxprTypeError, match="inputs: .*bound twice"):
        typecheck_jaxpr(Jaxpr([], [a, a], [], [a]))


def test_typecheck_rejects_operands_the_primitive_refuses():
    a, b, c = Var(F64_3), Var(ShapedArray((4,), np.float64)), Var(F64_3)
    with pytest.raises(JaxprTypeError, match=r"add requires operands of equal shapes, got f64\[3\], f64\[4\]"):
        typecheck_jaxpr(Jaxpr([], [a, b], [Eqn(add_p, [a, b], {}, [c])], [c]))
    with pytest.raises(JaxprTypeError, match="1 results, 2 binders"):
        typecheck_jaxpr(Jaxpr([], [a], [Eqn(sin_p, [a], {}, [c, Var(F64_3)])], [c]))


def test_typecheck_messages_name_variables_as_the_printer_does():
    a, b = Var(F64_3), Var(F32_3)
    broken = Jaxpr([], [a], [Eqn(sin_p, [a], {}, [b])], [b])
    assert "b:f32[3] = sin a" in str(broken)
    with pytest.raises(JaxprTypeError, match=r"\(b:f32\[3\] = sin a\): binder b "):
        typecheck_jaxpr(broken)


# --------------------------------------------------------------------------- evaluation and DCE


def test_eval_jaxpr_binds_constants_and_literals():
    c, x, y, z = Var(F64_3), Var(F64_3), Var(F64_3), Var(F64_3)
    jaxpr = Jaxpr([c], [x], [Eqn(mul_p, [x, c], {}, [y]), Eqn(add_p, [y, Literal(np.ones(3))], {}, [z])], [z, y])
    typecheck_jaxpr(jaxpr)
    out = eval_jaxpr(jaxpr, [np.array([1.0, 2.0, 3.0])], [np.full(3, 2.0)])
    np.testing.assert_array_equal(out[0], [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(out[1], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(ClosedJaxpr(jaxpr, [np.ones(3)])(np.ones(3))[1], np.ones(3))


def test_eval_jaxpr_checks_the_argument_count():
    closed = ft.make_jaxpr(lambda x, y: x + y)(1.0, 2.0)
    with pytest.raises(TypeError, match="takes 2 arguments, got 1"):
        eval_jaxpr(closed.jaxpr, closed.consts, [1.0])


def test_dce_drops_unused_equations_and_constants():
    c, x, used, unused = Var(F64_3), Var(F64_3), Var(F64_3), Var(F64_3)
    jaxpr = Jaxpr([c], [x], [Eqn(mul_p, [x, c], {}, [unused]), Eqn(sin_p, [x], {}, [used])], [used])
    pruned, consts = dce_jaxpr(jaxpr, [np.ones(3)])
    assert [e.primitive for e in pruned.eqns] == [sin_p] and consts == [] and pruned.constvars == []
    typecheck_jaxpr(pruned)


def test_make_jaxpr_keeps_only_what_the_outputs_need():
    def fn(x):
        fnp.exp(x) * CLOSURE_CONSTANT  # computed, then dropped
        return fnp.sin(x)

    closed = ft.make_jaxpr(fn)(np.ones(3))
    assert [e.primitive.name for e in closed.eqns] == ["sin"] and closed.consts == []
