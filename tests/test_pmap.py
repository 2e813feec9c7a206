"""pmap in one process (one CPU device, as JAX's CPU backend): its axes, static arguments,
composition with grad and vmap, JAX's errors; and, when MPI is installed, the MPI job tests
(tests/distributed under mpiexec) and that one raising process does not hang the others."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import distributed, lax

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow
def test_single_device_collectives():
    x = np.arange(6.0).reshape(1, 2, 3)
    f = ft.pmap(lambda v: lax.psum(v, "i") + lax.pmean(v, "i") + lax.axis_index("i") + lax.all_gather(v, "i")[0], axis_name="i")
    np.testing.assert_allclose(f(x), 3 * x)
    assert ft.process_count() == 1 and ft.process_index() == 0


def test_axes_and_static_arguments():
    x = np.arange(6.0).reshape(2, 1, 3)
    f = ft.pmap(lambda a, k, b: a * k + b, in_axes=(1, None, 0), out_axes=1, static_broadcasted_argnums=1)
    out = f(x, 3, np.ones((1, 2, 3)))
    assert out.shape == (2, 1, 3)
    np.testing.assert_allclose(out, 3 * x + 1)
    np.testing.assert_allclose(ft.pmap(lambda a: {"s": a.sum()}, out_axes={"s": None})(x[:, 0][None])["s"], x.sum())


@pytest.mark.slow
def test_grad_and_vmap_compose():
    w = np.array([0.5, -1.0])
    batch = np.arange(8.0).reshape(1, 4, 2)
    loss = lambda w, b: fnp.mean((b @ w) ** 2)
    g = ft.pmap(lambda w, b: lax.pmean(ft.grad(loss)(w, b), "i"), axis_name="i", in_axes=(None, 0))(w, batch)
    np.testing.assert_allclose(g[0], 2 * batch[0].T @ (batch[0] @ w) / 4)
    out = ft.pmap(ft.vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), axis_name="i")(batch)
    np.testing.assert_allclose(out, np.broadcast_to(batch.sum(1, keepdims=True), batch.shape))


def _pmapped_and_vmapped(body, in_axes):
    """``body`` pmapped over one device, and the same under vmap with the axis named alike."""
    return ft.pmap(body, axis_name="i", in_axes=in_axes), ft.vmap(body, axis_name="i", in_axes=in_axes)


@pytest.mark.slow
def test_transformations_of_a_pmapped_function_agree_with_vmap_and_finite_differences():
    # Collectives of every kind and an unmapped (replicated) argument, whose cotangent is summed
    # over the devices, as in JAX.
    body = lambda w, x: lax.psum(fnp.sin(w * x), "i") * lax.all_gather(x, "i")[0] + lax.pmean(x * w, "i") * lax.axis_index("i")
    pmapped, vmapped = _pmapped_and_vmapped(body, (None, 0))
    w, x = 1.5, np.array([[0.3, -0.7, 1.1]])
    loss = lambda f: (lambda w, x: fnp.sum(f(w, x) ** 2))
    np.testing.assert_allclose(pmapped(w, x), vmapped(w, x), rtol=1e-14)
    for transform in (ft.grad, ft.jacfwd, ft.hessian, lambda f, **kw: ft.jit(ft.grad(f, **kw))):
        got, want = transform(loss(pmapped), argnums=(0, 1))(w, x), transform(loss(vmapped), argnums=(0, 1))(w, x)
        ft.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-12), got, want)
    np.testing.assert_allclose(ft.jit(pmapped)(w, x), vmapped(w, x), rtol=1e-14)
    ws = np.array([0.5, 1.5, -2.0])
    np.testing.assert_allclose(ft.vmap(pmapped, in_axes=(0, None))(ws, x), [vmapped(v, x) for v in ws], rtol=1e-14)
    np.testing.assert_allclose(ft.vmap(ft.grad(loss(pmapped)), in_axes=(0, None))(ws, x),
                               [ft.grad(loss(vmapped))(v, x) for v in ws], rtol=1e-12)
    h = 1e-6  # and a central difference of the compiled, untransformed pmap
    np.testing.assert_allclose(ft.grad(loss(pmapped))(w, x), (loss(pmapped)(w + h, x) - loss(pmapped)(w - h, x)) / (2 * h), rtol=1e-7)


def test_a_transformed_pmap_keeps_static_arguments_axes_and_its_name():
    f = ft.pmap(lambda a, k, b: lax.psum(a * k, "i") + b, axis_name="i", in_axes=(1, None, 0), out_axes=1,
                static_broadcasted_argnums=1)
    x, b = np.arange(6.0).reshape(2, 1, 3), np.ones((1, 2, 3))
    g = ft.grad(lambda x: fnp.sum(f(x, 3, b) ** 2))(x)
    np.testing.assert_allclose(g, 2 * (3 * x + 1) * 3)
    assert "pmap(<lambda>)" in str(ft.make_jaxpr(lambda x: f(x, 3, b))(x))
    with pytest.raises(NameError, match="unbound axis name: j"):
        ft.grad(lambda x: fnp.sum(ft.pmap(lambda v: lax.psum(v, "j"), axis_name="i")(x)))(np.ones((1, 3)))


def test_axis_index_groups_on_one_device_and_their_errors():
    x = np.arange(3.0).reshape(1, 3)
    body = lambda v: (lax.psum(v, "i", axis_index_groups=[[0]]) + lax.pmean(v, "i", axis_index_groups=[[0]])
                      + lax.all_gather(v, "i", axis_index_groups=[[0]])[0] + lax.pmax(v, "i", axis_index_groups=[[0]]))
    np.testing.assert_allclose(ft.pmap(body, axis_name="i")(x), 4 * x)
    np.testing.assert_allclose(ft.grad(lambda x: fnp.sum(ft.pmap(body, axis_name="i")(x) ** 2))(x), 32 * x)
    with pytest.raises(ValueError, match="cover all indices of the axis 'i' \\(size 1\\) exactly once"):
        ft.pmap(lambda v: lax.psum(v, "i", axis_index_groups=[[0, 1]]), axis_name="i")(x)
    with pytest.raises(NotImplementedError, match="axis_index_groups not supported in vmap"):  # as in JAX
        ft.vmap(lambda v: lax.psum(v, "i", axis_index_groups=[[0], [1]]), axis_name="i")(np.ones(2))


def test_errors():
    with pytest.raises(ValueError, match="requires 2 logical devices, but only 1 XLA devices are available"):
        ft.pmap(lambda v: v)(np.ones((2, 3)))
    with pytest.raises(NameError, match="unbound axis name: j"):
        ft.pmap(lambda v: lax.psum(v, "j"), axis_name="i")(np.ones((1, 3)))
    with pytest.raises(NameError, match="unbound axis name"):
        ft.pmap(lambda v: lax.psum(v, "i"))(np.ones((1, 3)))
    with pytest.raises(ValueError, match="mapped axis"):
        ft.pmap(lambda v: v, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="split over 2 processes|does not split"):
        _one_of_two(lambda: distributed.shard_batch(np.ones(3)))


def _one_of_two(fn):
    """Run ``fn`` as if this were one of two processes."""
    original = distributed.process_count
    distributed.process_count = lambda backend=None: 2
    try:
        return fn()
    finally:
        distributed.process_count = original


def _mpi_or_skip():
    if shutil.which("mpiexec") is None:
        pytest.skip("MPI is not installed (pip install 'functrans[distributed]' for mpiexec and mpi4py)")
    pytest.importorskip("mpi4py", reason="mpi4py is not installed (pip install 'functrans[distributed]')")


def _mpiexec(args, timeout):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(["mpiexec", "-n", "2", sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.slow
def test_mpi_job_runs_tests_distributed():
    _mpi_or_skip()
    run = _mpiexec(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", "tests/distributed"], timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "skipped" not in run.stdout


@pytest.mark.slow
def test_a_raising_process_ends_the_job(tmp_path):
    _mpi_or_skip()
    script = tmp_path / "raise_one.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import functrans as ft
        from functrans import distributed, lax
        distributed.initialize()
        if distributed.process_index() == 1:
            raise RuntimeError("process 1 fails before the collective")
        ft.pmap(lambda v: lax.psum(v, "i"), axis_name="i")(np.ones((1, 3)))  # waits for process 1
        print("unreachable: the collective returned")
    """))
    run = _mpiexec([str(script)], timeout=120)
    assert run.returncode != 0
    assert "unreachable" not in run.stdout
    assert "process 1 raised RuntimeError; aborting the MPI job" in run.stderr


@pytest.mark.slow
def test_mismatched_shapes_name_the_process(tmp_path):
    _mpi_or_skip()
    script = tmp_path / "mismatch.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import functrans as ft
        from functrans import distributed, lax
        distributed.initialize()
        n = 3 + distributed.process_index()
        ft.pmap(lambda v: lax.psum(v, "i"), axis_name="i")(np.ones((1, n)))
    """))
    run = _mpiexec([str(script)], timeout=120)
    assert run.returncode != 0
    assert "process 1 has an operand of shape (4,)" in run.stderr


@pytest.mark.slow
def test_data_parallel_example_matches_single_process():
    _mpi_or_skip()
    run = _mpiexec(["examples/data_parallel_digits.py", "--steps", "5"], timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [line.split() for line in run.stdout.splitlines() if line.strip()[:1].isdigit() and len(line.split()) == 4]
    assert len(rows) == 5
    for _, parallel, single, _ in rows:
        np.testing.assert_allclose(float(parallel), float(single), rtol=1e-12)
