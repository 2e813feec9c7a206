"""pmap across the processes of an MPI job: collectives against NumPy on the global array
(every process builds the same global array; each passes its own row), gradients, errors."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import distributed, lax


def global_and_local(shape=(3,), seed=0):
    n, r = distributed.process_count(), distributed.process_index()
    xs = np.random.default_rng(seed).normal(size=(n,) + shape)
    return xs, xs[r : r + 1]


def pm(f, **kw):
    return ft.pmap(f, axis_name="i", **kw)


def test_process_index_and_count():
    assert ft.process_count() == distributed.process_count() >= 2
    assert ft.process_index() == distributed.process_index()
    out = pm(lambda v: lax.axis_index("i") + 0 * v[0].astype(np.int32))(np.zeros((1, 2)))
    assert out.tolist() == [distributed.process_index()]


def test_reductions():
    xs, x = global_and_local((2, 3))
    for fn, ref in [(lax.psum, np.sum), (lax.pmax, np.max), (lax.pmin, np.min), (lax.pmean, np.mean)]:
        np.testing.assert_allclose(pm(lambda v: fn(v, "i"))(x)[0], ref(xs, axis=0), rtol=1e-12)


def test_gather_scatter_permute_all_to_all():
    n, r = distributed.process_count(), distributed.process_index()
    xs, x = global_and_local((n, 2))
    np.testing.assert_allclose(pm(lambda v: lax.all_gather(v, "i"))(x)[0], xs)
    np.testing.assert_allclose(pm(lambda v: lax.psum_scatter(v, "i"))(x)[0], xs.sum(0)[r])
    perm = [(k, (k + 1) % n) for k in range(n)]
    np.testing.assert_allclose(pm(lambda v: lax.ppermute(v, "i", perm))(x)[0], xs[(r - 1) % n])
    np.testing.assert_allclose(pm(lambda v: lax.all_to_all(v, "i", 0, 0))(x)[0], xs[:, r])


def test_data_parallel_gradient_equals_global_gradient():
    n, r = distributed.process_count(), distributed.process_index()
    rng = np.random.default_rng(3)
    w, data = rng.normal(size=3), rng.normal(size=(4 * n, 3))
    loss = lambda w, batch: fnp.mean(fnp.tanh(batch @ w) ** 2)
    local = data.reshape(n, 4, 3)[r : r + 1]
    g = pm(lambda w, b: lax.pmean(ft.grad(loss)(w, b), "i"), in_axes=(None, 0))(w, local)[0]
    np.testing.assert_allclose(g, ft.grad(loss)(w, data), rtol=1e-12)
    np.testing.assert_allclose(distributed.shard_batch(data), data.reshape(n, 4, 3)[r])


def test_grad_and_jit_of_a_pmapped_loss_sum_the_replicated_weights_cotangent_over_processes():
    n, r = distributed.process_count(), distributed.process_index()
    rng = np.random.default_rng(4)
    w, data = rng.normal(size=3), rng.normal(size=(4 * n, 3))
    local = data.reshape(n, 4, 3)[r : r + 1]
    per_device = pm(lambda w, b: fnp.sum(fnp.tanh(b @ w) ** 2), in_axes=(None, 0))
    total = lambda w: fnp.sum(per_device(w, local))  # this process's device; the cotangent of w is summed
    want = ft.grad(lambda w: fnp.sum(fnp.tanh(data @ w) ** 2))(w)
    np.testing.assert_allclose(ft.grad(total)(w), want, rtol=1e-12)
    np.testing.assert_allclose(ft.jit(ft.grad(total))(w), want, rtol=1e-12)
    gathered = pm(lambda b: lax.all_gather(fnp.sin(b), "i"))
    np.testing.assert_allclose(ft.jit(gathered)(local)[0], np.sin(data.reshape(n, 4, 3)))


def test_axis_index_groups_act_within_each_group_in_its_order():
    n, r = distributed.process_count(), distributed.process_index()
    xs, x = global_and_local((n, 2))
    alone, reversed_ = [[k] for k in range(n)], [list(range(n))[::-1]]
    np.testing.assert_allclose(pm(lambda v: lax.psum(v, "i", axis_index_groups=alone))(x)[0], xs[r])
    np.testing.assert_allclose(pm(lambda v: lax.pmean(v, "i", axis_index_groups=reversed_))(x)[0], xs.mean(0))
    np.testing.assert_allclose(pm(lambda v: lax.all_gather(v, "i", axis_index_groups=reversed_))(x)[0], xs[::-1])
    np.testing.assert_allclose(pm(lambda v: lax.psum_scatter(v, "i", axis_index_groups=reversed_))(x)[0], xs.sum(0)[n - 1 - r])
    np.testing.assert_allclose(ft.jit(pm(lambda v: lax.all_gather(v, "i", axis_index_groups=alone)))(x)[0], xs[r : r + 1])
    g = ft.grad(lambda x: fnp.sum(pm(lambda v: lax.psum(v, "i", axis_index_groups=reversed_) ** 2)(x)))(x)
    np.testing.assert_allclose(g[0], 2 * n * xs.sum(0), rtol=1e-12)  # psum's transpose is the grouped psum


def test_pmap_of_vmap_with_two_names():
    xs, x = global_and_local((4,))
    out = pm(ft.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"))(x)
    np.testing.assert_allclose(out[0], np.full(4, xs.sum()))


def test_local_axis_must_be_one_device():
    with pytest.raises(ValueError, match="logical devices"):
        pm(lambda v: lax.psum(v, "i"))(np.zeros((2, 3)))
