"""pbroadcast, pshuffle, pswapaxes and ragged_all_to_all across the processes of an MPI job,
against the same collectives under vmap on the global array (every process builds it and
passes its own row), eagerly and compiled."""
import numpy as np

import functrans as ft
from functrans import distributed, lax


def over_processes_and_vmap(f, *global_args):
    """``f`` under pmap (this process's rows) and under vmap (every row): this process's results."""
    r = distributed.process_index()
    local = [a[r : r + 1] for a in global_args]
    across = ft.pmap(f, axis_name="i")(*local)[0]
    compiled = ft.pmap(ft.jit(f), axis_name="i")(*local)[0]
    return across, compiled, ft.vmap(f, axis_name="i")(*global_args)[r]


def test_pbroadcast_pshuffle_pswapaxes_match_vmap():
    n = distributed.process_count()
    xs = np.random.default_rng(0).normal(size=(n, n, 2))
    perm = [(k + 1) % n for k in range(n)]
    for f in (lambda v: lax.pbroadcast(v, "i", n - 1), lambda v: lax.pshuffle(v, "i", perm),
              lambda v: lax.pswapaxes(v, "i", 0)):
        across, compiled, expected = over_processes_and_vmap(f, xs)
        np.testing.assert_allclose(across, expected, rtol=1e-15)
        np.testing.assert_allclose(compiled, expected, rtol=1e-15)


def test_ragged_all_to_all_matches_vmap():
    n = distributed.process_count()
    rng = np.random.default_rng(1)
    operand, output = rng.normal(size=(n, 4, 2)), np.full((n, 5, 2), -1.0)
    sizes = rng.integers(0, 3, size=(n, n)).astype(np.int32)
    starts = np.array([[rng.integers(0, 5 - s) for s in row] for row in sizes], np.int32)
    targets = np.array([[rng.integers(0, 6 - s) for s in row] for row in sizes], np.int32)
    f = lambda *a: lax.ragged_all_to_all(*a, axis_name="i")
    across, compiled, expected = over_processes_and_vmap(f, operand, output, starts, sizes, targets, sizes)
    np.testing.assert_array_equal(across, expected)
    np.testing.assert_array_equal(compiled, expected)
