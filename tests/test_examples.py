"""The examples run in a short mode and reach their stated results: accuracy, convergence,
agreement with an independent solver; their building blocks are checked against references."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.special

import functrans as ft
from functrans import random
from functrans.test_util import check_grads
from functrans.tree_util import tree_leaves

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))  # the examples import their shared helper (_progress) as scripts do

import mlp_digits  # noqa: E402
import newton_logistic  # noqa: E402
import per_example_gradients  # noqa: E402
import rnn_scan  # noqa: E402

pytest.importorskip("sklearn")

SCRIPTS = ["mlp_digits.py", "newton_logistic.py", "per_example_gradients.py", "rnn_scan.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_script_has_a_help_text(script):
    done = subprocess.run([sys.executable, str(EXAMPLES / script), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage:")


# --------------------------------------------------------------------------- mlp_digits


@pytest.mark.slow
def test_mlp_digits_reaches_95_percent_test_accuracy(capsys):
    result = mlp_digits.main(["--epochs", "8", "--quiet"])
    assert result["test_accuracy"] >= 0.95
    assert result["losses"][-1] < result["losses"][0] / 5
    assert f"test accuracy {result['test_accuracy']:.4f}" in capsys.readouterr().out


def test_mlp_digits_loss_gradient_matches_finite_differences():
    x, _, labels, _ = mlp_digits.load_digits_split(0.25, 0)
    params = mlp_digits.init_mlp(random.PRNGKey(0), [64, 8, 10])
    check_grads(lambda p: mlp_digits.loss_fn(p, x[:16], labels[:16]), (params,), order=1)


def test_mlp_digits_plot_is_skipped_with_a_message_without_matplotlib(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # importing it now raises ImportError
    assert not mlp_digits.save_loss_plot([1.0, 0.5], str(tmp_path / "loss.png"))
    assert "matplotlib is not installed" in capsys.readouterr().err
    assert not (tmp_path / "loss.png").exists()


def test_mlp_digits_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "loss.png"
    assert mlp_digits.save_loss_plot([1.0, 0.5, 0.2], str(path))
    assert path.read_bytes().startswith(b"\x89PNG")


# --------------------------------------------------------------------------- newton_logistic


@pytest.mark.slow
def test_newton_converges_in_under_10_steps_to_the_independent_solution():
    result = newton_logistic.main(["--quiet"])
    assert result["converged"] and result["steps"] < 10
    assert result["max_difference"] < 1e-5
    assert result["accuracy"] > 0.98
    # The optimality condition, in NumPy: C X^T (sigmoid(z) - y) + [0, w] = 0.
    x, y = newton_logistic.load_standardized()
    theta = result["theta"]
    residual = scipy.special.expit(theta[0] + x @ theta[1:]) - y
    gradient = np.concatenate([[residual.sum()], x.T @ residual + theta[1:]])
    assert np.abs(gradient).max() < 1e-6


def test_newton_hessian_is_the_closed_form_logistic_hessian():
    x, y = newton_logistic.load_standardized()
    x, y = x[:40, :5], y[:40]
    theta = np.linspace(-0.5, 0.5, 6)
    hessian = ft.hessian(newton_logistic.objective)(theta, x, y, 2.0)
    design = np.hstack([np.ones((40, 1)), x])
    p = scipy.special.expit(design @ theta)
    expected = 2.0 * design.T @ (design * (p * (1 - p))[:, None]) + np.diag([0.0] + [1.0] * 5)
    np.testing.assert_allclose(hessian, expected, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- per_example_gradients


def _small_batch():
    x, _, labels, _ = mlp_digits.load_digits_split(0.25, 0)
    params = mlp_digits.init_mlp(random.PRNGKey(2), [64, 16, 10])
    return params, x[:6], labels[:6]


def test_per_example_gradients_equal_a_loop_over_examples():
    params, x, labels = _small_batch()
    batched = per_example_gradients.per_example_grads(params, x, labels)
    for i in range(len(x)):
        single = ft.grad(per_example_gradients.example_loss)(params, x[i], labels[i])
        for b, s in zip(tree_leaves(batched), tree_leaves(single)):
            np.testing.assert_allclose(b[i], s, rtol=1e-12, atol=1e-14)


def test_clipping_bounds_each_examples_norm_and_keeps_small_ones():
    params, x, labels = _small_batch()
    grads = per_example_gradients.per_example_grads(params, x, labels)
    norms = np.sqrt(sum((g.reshape(len(x), -1) ** 2).sum(1) for g in tree_leaves(grads)))
    bound = float(np.median(norms))  # half the examples get clipped
    clipped = per_example_gradients.clip_per_example(grads, bound)
    clipped_norms = np.sqrt(sum((g.reshape(len(x), -1) ** 2).sum(1) for g in tree_leaves(clipped)))
    np.testing.assert_allclose(clipped_norms, np.minimum(norms, bound), rtol=1e-12)
    for g, c in zip(tree_leaves(grads), tree_leaves(clipped)):  # directions are kept
        np.testing.assert_allclose(c, g * (np.minimum(norms, bound) / norms).reshape((-1,) + (1,) * (g.ndim - 1)), rtol=1e-12)


def test_privatized_gradient_without_noise_is_the_mean_clipped_gradient():
    params, x, labels = _small_batch()
    grads = per_example_gradients.per_example_grads(params, x, labels)
    private = per_example_gradients.privatize(grads, 1e9, 0.0, random.PRNGKey(0))
    mean = ft.grad(lambda p: sum(per_example_gradients.example_loss(p, x[i], labels[i]) for i in range(len(x))) / len(x))(params)
    for a, b in zip(tree_leaves(private), tree_leaves(mean)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.slow
def test_dp_sgd_trains_to_useful_accuracy():
    result = per_example_gradients.main(["--steps", "500", "--quiet"])
    assert result["test_accuracy"] >= 0.85


# --------------------------------------------------------------------------- rnn_scan


@pytest.mark.slow
def test_rnn_scan_learns_the_digits():
    result = rnn_scan.main(["--epochs", "4", "--quiet"])
    assert result["test_accuracy"] >= 0.85
    assert result["losses"][-1] < result["losses"][0]
