"""checkpoint(policy=...): every policy gives the gradient without checkpoint (closed form,
check_grads, jit, vmap), and the backward pass recomputes exactly what the policy does not
save (read from the staged program: which primitives the recomputing equation runs, and
which saved values it takes); checkpoint_name is the identity everywhere; against JAX."""
import numpy as np
import pytest

import functrans as ft
import functrans.numpy as fnp
from functrans import ad_checkpoint
from functrans.ad_checkpoint import checkpoint_name, checkpoint_policies as cp
from functrans.lax.dot import dot_general_p
from functrans.test_util import check_grads

rng = np.random.RandomState(0)
W1, W2, X = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(5, 3))


def mlp(w1, w2, x):
    h = checkpoint_name(fnp.tanh(x @ w1), "hidden")
    z = checkpoint_name(fnp.sin(h) @ w2, "logits")
    return (z ** 2).sum()


POLICIES = {
    "none": None,
    "everything_saveable": cp.everything_saveable,
    "nothing_saveable": cp.nothing_saveable,
    "dots_saveable": cp.dots_saveable,
    "checkpoint_dots": cp.checkpoint_dots,
    "dots_with_no_batch_dims_saveable": cp.dots_with_no_batch_dims_saveable,
    "save_only_these_names": cp.save_only_these_names("hidden"),
    "save_any_names_but_these": cp.save_any_names_but_these("hidden"),
    "save_anything_except_these_names": cp.save_anything_except_these_names("logits"),
    "save_from_both_policies": cp.save_from_both_policies(cp.dots_saveable, cp.save_only_these_names("hidden")),
    "save_and_offload_only_these_names": cp.save_and_offload_only_these_names(
        names_which_can_be_saved=["hidden"], names_which_can_be_offloaded=["logits"], offload_src="device",
        offload_dst="pinned_host"),
}


def closed_form_grads(w1, w2, x):
    a = x @ w1
    h = np.tanh(a)
    s = np.sin(h)
    z = s @ w2
    gz = 2 * z
    gw2 = s.T @ gz
    ga = (gz @ w2.T) * np.cos(h) * (1 - h ** 2)
    return x.T @ ga, gw2, ga @ w1.T


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_policy_gives_the_gradient(name):
    f = ft.checkpoint(mlp, policy=POLICIES[name])
    got = ft.grad(f, (0, 1, 2))(W1, W2, X)
    for g, want in zip(got, closed_form_grads(W1, W2, X)):
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(f(W1, W2, X), mlp(W1, W2, X), rtol=1e-14)


@pytest.mark.parametrize("name", ["dots_saveable", "save_only_these_names", "everything_saveable"])
def test_policies_pass_check_grads_and_compose_with_vmap_and_jit(name):
    f = ft.checkpoint(mlp, policy=POLICIES[name])
    check_grads(lambda w1: f(w1, W2, X[:2]), (W1,), order=2, modes=("fwd", "rev"))
    per_example = ft.vmap(ft.grad(f), in_axes=(None, None, 0))(W1, W2, X[:, None, :])
    loop = np.stack([ft.grad(mlp)(W1, W2, X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(per_example, loop, rtol=1e-10, atol=1e-12)


@pytest.mark.slow
def test_jit_of_grad_with_a_policy_equals_eager():
    f = ft.grad(ft.checkpoint(mlp, policy=cp.dots_saveable), (0, 1))
    for got, want in zip(ft.jit(f)(W1, W2, X), f(W1, W2, X)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def backward_equation(policy):
    """The checkpoint equation of the backward pass of grad(checkpoint(mlp, policy)), staged."""
    jaxpr = ft.make_jaxpr(ft.grad(ft.checkpoint(mlp, policy=policy)))(W1, W2, X)
    checkpoints = [e for e in jaxpr.eqns if e.primitive.name == "checkpoint"]
    return checkpoints[-1]


def recomputed(policy) -> list[str]:
    return [e.primitive.name for e in backward_equation(policy).params["jaxpr"].jaxpr.eqns]


def test_nothing_saveable_recomputes_the_whole_forward_pass():
    for policy in (None, cp.nothing_saveable):
        names = recomputed(policy)
        assert names.count("tanh") == 1 and names.count("sin") == 1
        assert names.count("dot_general") == 2 + 2  # both forward products, and two backward (for w1)


def test_dots_saveable_recomputes_only_what_is_not_a_product():
    names = recomputed(cp.dots_saveable)
    assert names.count("tanh") == 1  # recomputed from the saved x @ w1
    assert "sin" not in names  # it only feeds the saved sin(h) @ w2
    assert names.count("dot_general") == 2  # the backward products only


def test_saving_a_name_skips_recomputing_what_leads_to_it():
    names = recomputed(cp.save_only_these_names("logits"))
    assert names.count("dot_general") == 1 + 2  # x @ w1 again (tanh's derivative reads tanh's own result)
    assert "sin" not in names  # the saved logits need no sin(h) @ w2
    everything = recomputed(cp.everything_saveable)
    assert not {"tanh", "sin"} & set(everything)


def test_the_recomputing_equation_takes_the_saved_values():
    eqn_none, eqn_dots = backward_equation(None), backward_equation(cp.dots_saveable)
    shapes = lambda eqn: sorted(x.aval.shape for x in eqn.inputs if hasattr(x, "aval"))
    # The saved x @ w1 (5x4) and sin(h) @ w2 (5x2) are inputs of the backward equation too.
    assert len(eqn_dots.inputs) == len(eqn_none.inputs) + 2
    assert shapes(eqn_dots).count((5, 4)) == shapes(eqn_none).count((5, 4)) + 1


def test_dots_with_batch_dimensions_are_not_saved_by_the_no_batch_policy():
    def f(a, b):
        return fnp.sin(fnp.einsum("bij,bjk->bik", a, b)).sum()

    a, b = rng.normal(size=(2, 3, 3)), rng.normal(size=(2, 3, 3))
    assert ad_checkpoint.dots_saveable(dot_general_p, dimension_numbers=(((2,), (1,)), ((0,), (0,))))
    assert not cp.dots_with_no_batch_dims_saveable(dot_general_p, dimension_numbers=(((2,), (1,)), ((0,), (0,))))
    g = ft.grad(ft.checkpoint(f, policy=cp.dots_with_no_batch_dims_saveable))(a, b)
    np.testing.assert_allclose(g, ft.grad(f)(a, b), rtol=1e-12)


@pytest.mark.slow
def test_checkpoint_name_is_the_identity():
    x = np.arange(3.0)
    assert checkpoint_name(x, "x") is x
    f = lambda x: checkpoint_name(fnp.sin(x), "s") * 2.0
    np.testing.assert_allclose(ft.jit(f)(x), 2 * np.sin(x), rtol=1e-14)
    np.testing.assert_allclose(ft.grad(lambda x: f(x).sum())(x), 2 * np.cos(x), rtol=1e-14)
    np.testing.assert_allclose(ft.vmap(f)(x), 2 * np.sin(x), rtol=1e-14)
    assert "name[name='s']" in str(ft.make_jaxpr(f)(x))
    with pytest.raises(TypeError, match="name must be a string"):
        checkpoint_name(x, 3)


def test_checkpoint_static_argnames():
    c = ft.checkpoint(lambda x, n: x ** n, static_argnames="n")
    np.testing.assert_allclose(ft.grad(lambda x: c(x, n=3))(2.0), 12.0)


def test_gradients_and_policy_names_match_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.ad_checkpoint import checkpoint_name as jax_name

    def jax_mlp(w1, w2, x):
        h = jax_name(jax.numpy.tanh(x @ w1), "hidden")
        return ((jax_name(jax.numpy.sin(h) @ w2, "logits")) ** 2).sum()

    assert {n for n in dir(jax.checkpoint_policies) if not n.startswith("_")} <= set(vars(cp))
    for name in ("dots_saveable", "save_only_these_names"):
        theirs_policy = getattr(jax.checkpoint_policies, name)
        theirs_policy = theirs_policy("hidden") if name == "save_only_these_names" else theirs_policy
        theirs = jax.grad(jax.checkpoint(jax_mlp, policy=theirs_policy), (0, 1))(W1, W2, X)
        ours = ft.grad(ft.checkpoint(mlp, policy=POLICIES[name]), (0, 1))(W1, W2, X)
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10)


def test_print_saved_residuals_names_arguments_names_and_primitives(capsys):
    def f(w, x):
        return fnp.sin(checkpoint_name(fnp.tanh(x @ w), "h")).sum()

    ad_checkpoint.print_saved_residuals(ft.checkpoint(f, policy=cp.dots_saveable), W1, X)
    assert capsys.readouterr().out == "f64[3,4] from the argument w\nf64[5,3] from the argument x\nf64[5,4] output of dot_general\n"
    saved = ad_checkpoint.saved_residuals(lambda p: (fnp.exp(p["a"]) * p["b"]).sum(), {"a": np.ones(2), "b": np.ones(2)})
    assert [origin for _, origin in saved] == ["from the argument p['b']", "output of exp"]
    assert ad_checkpoint.saved_residuals(ft.checkpoint(f), W1, X) == [
        (ft.ShapedArray((3, 4), np.float64), "from the argument w"), (ft.ShapedArray((5, 3), np.float64), "from the argument x")]


def test_print_saved_residuals_matches_jax_for_a_named_policy(capsys):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    from jax.ad_checkpoint import checkpoint_name as jax_name

    def theirs(w, x):
        return jax.numpy.sin(jax_name(jax.numpy.tanh(x @ w), "h")).sum()

    def ours(w, x):
        return fnp.sin(checkpoint_name(fnp.tanh(x @ w), "h")).sum()

    jax.ad_checkpoint.print_saved_residuals(jax.checkpoint(theirs, policy=jax.checkpoint_policies.save_only_these_names("h")), W1, X)
    jax_lines = [line.split(" from <")[0].split(" from /")[0] for line in capsys.readouterr().out.splitlines()]
    ad_checkpoint.print_saved_residuals(ft.checkpoint(ours, policy=cp.save_only_these_names("h")), W1, X)
    assert capsys.readouterr().out.splitlines() == jax_lines
