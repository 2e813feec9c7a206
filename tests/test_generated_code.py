"""The generated program reads as what it is: comments in the code's own names, no lines
for equations that compute nothing, arena reuse said where it happens."""
from __future__ import annotations

import re

import numpy as np

import functrans as ft
import functrans.numpy as fnp
from functrans import lax
from functrans.backend.passes import optimize
from functrans.lax.shape import transpose_p


EQUATION_COMMENT = r"# (\w+:\w+\[.*)"


def source(f, *args) -> str:
    return ft.jit(f).lower(*args).as_text()


def test_comments_name_only_variables_the_code_defines_or_views_of_them():
    x = np.ones((3, 4))
    text = source(lambda a: fnp.sum(fnp.exp(a.T) * 2.0, axis=0) + a[:, 0], x)
    defined = set(re.findall(r"\b(\w+) = ", text)) | set(re.search(r"def program\((.*)\)", text).group(1).replace(" ", "").split(","))
    comments = re.findall(EQUATION_COMMENT, text)
    assert len(comments) >= 4
    for comment in comments:
        # A view has no variable: the comment shows it as the expression the loop reads.
        atoms = re.sub(r"\w+\(([^()]*)\)", r"\1", comment.split(" = ", 1)[1]).split()[1:]
        named = {comment.split(":")[0]} | {a for a in atoms if re.fullmatch(r"[a-z]+\d*|v_\w+", a)}
        assert named <= defined, (comment, named - defined)


def test_equations_that_compute_nothing_produce_no_code():
    x = np.ones((2, 3))

    def f(a):
        b = lax.stop_gradient(a)
        c = lax.reshape(b, (2, 3))
        d = lax.convert_element_type(c, np.float64)
        return lax.transpose(d, (0, 1)) * 1.0 + 1.0

    equations = re.findall(EQUATION_COMMENT, source(f, x))
    assert len(equations) == 1 and " add " in equations[0], equations
    # Transposes compose: two that undo each other are none, three are one.
    transposes = lambda f: [e.primitive for e in optimize(ft.make_jaxpr(f)(x)).jaxpr.eqns].count(transpose_p)
    assert transposes(lambda a: lax.transpose(a.T.T, (0, 1)).T.T + 1.0) == 0
    assert transposes(lambda a: a.T.T.T * 2.0) == 1


def test_a_product_reads_its_transposed_operands_in_place():
    a, b = np.ones((6, 5)), np.ones((5, 4))
    text = source(lambda a, b: b.T @ a.T + 0.0 * (a.T @ a.T.T)[0, 0], a, b)
    # Both products are gemm calls on the arguments' buffers: no loop copies a transpose.
    assert text.count("strided_matmul(") == 2 and " transpose[" not in text, text


def test_reused_scratch_names_the_dead_value_it_replaces():
    x = np.ones((64, 64))

    def f(a):
        b = fnp.exp(a) @ a  # the exp is dead after the product; the product's result may take its bytes
        return fnp.tanh(b) @ b

    text = source(f, x)
    assert re.search(r"# reuses the bytes of v_\w+ \(dead\)", text), text


def test_the_entry_point_names_each_argument_by_its_pytree_path():
    def step(params, x):
        return params["w"] @ x + params["b"][0]

    params = {"w": np.ones((2, 3)), "b": [np.ones(2)]}
    text = source(step, params, np.ones(3, np.float32))
    assert re.search(r"# v_\w+: params\['w'\], f64\[2,3\]", text)
    assert re.search(r"# v_\w+: params\['b'\]\[0\], f64\[2\]", text)
    assert re.search(r"# v_\w+: x, f32\[3\]", text)
    assert "# out0: output buffer, f64[2]" in text


def test_as_text_shows_how_the_function_is_compiled():
    text = source(lambda a: a + 1.0, np.ones(3))
    assert re.search(r"^@numba\.njit\(error_model='numpy', boundscheck=False, nogil=True, parallel=False\)\ndef program\(", text, re.M)
    assert text.startswith("import math\n")
