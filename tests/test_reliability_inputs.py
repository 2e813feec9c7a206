"""Inputs the compiler cannot handle get a TypeError naming the argument and its dtype on the
first call, with and without background compilation; never some calls and then an error."""
from __future__ import annotations

import re

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans.backend import compiler


@pytest.fixture(params=[False, True], ids=["compile-on-first-call", "background-compile"])
def background(request):
    with ft.config.option(background_compile=request.param):
        yield request.param
        compiler.wait_for_compiles()


@pytest.mark.parametrize("value, what", [
    (np.ones(3, np.float16), "is f16[3] of dtype float16"),
    (np.array(["a", "b"]), "is a ndarray of dtype <U1"),
    (np.array([object(), 1]), "is a ndarray of dtype object"),
    ("abc", "is a str of dtype <U3"),
], ids=["float16", "str-array", "object-array", "str"])
def test_an_unsupported_argument_fails_on_every_call_from_the_first(background, value, what):
    f = ft.jit(lambda x, y: x * 2 + y)
    for _ in range(3):
        with pytest.raises(TypeError, match=re.escape(f"jit(<lambda>): argument x {what}")):
            f(value, 1.0)


def test_the_message_names_the_leaf_of_a_pytree_argument(background):
    f = ft.jit(lambda params: params["w"] * params["b"])
    with pytest.raises(TypeError, match=re.escape("argument params['w'] is f16[2] of dtype float16")):
        f({"b": np.ones(2), "w": np.ones(2, np.float16)})


def test_a_program_computing_an_unsupported_dtype_fails_on_its_first_call(background):
    f = ft.jit(lambda x: (x.astype(np.float16) * 2).astype(np.float64))
    for _ in range(2):
        with pytest.raises(TypeError, match="primitive .* is f16\\[3\\] of dtype float16"):
            f(np.ones(3))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint16, np.int32, np.int64, np.float32, np.float64, np.complex64, np.complex128])
def test_supported_dtypes_compile(dtype):
    f = ft.jit(lambda x: x == x)
    x = np.ones(4, dtype)
    np.testing.assert_array_equal(f(x), np.ones(4, bool))
    assert compiler.compilable(np.dtype(dtype))
