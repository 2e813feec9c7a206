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

import _training  # noqa: E402
import cnn_digits  # noqa: E402
import mlp_digits  # noqa: E402
import newton_logistic  # noqa: E402
import per_example_gradients  # noqa: E402
import rnn_scan  # noqa: E402

pytest.importorskip("sklearn")

SCRIPTS = ["cnn_digits.py", "mlp_digits.py", "newton_logistic.py", "per_example_gradients.py", "rnn_scan.py"]


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_each_script_has_a_help_text(script):
    done = subprocess.run([sys.executable, str(EXAMPLES / script), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("usage:")


# --------------------------------------------------------------------------- cnn_digits
# The step compiles for about a minute on this machine (the conv and pool backward passes make a
# long program), so every run of the script is slow-tier; the building blocks are checked eagerly.


@pytest.mark.slow
def test_cnn_digits_reaches_97_percent_test_accuracy(capsys):
    result = cnn_digits.main(["--quiet"])
    assert result["test_accuracy"] >= 0.97
    assert result["losses"][-1] < result["losses"][0] / 10
    assert f"test accuracy {result['test_accuracy']:.4f}" in capsys.readouterr().out


@pytest.mark.slow
def test_cnn_digits_short_run_trains_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "loss.png"
    # Three epochs: the first warms the step size up from 0, the cosine then decays it.
    result = cnn_digits.main(["--epochs", "3", "--channels", "8", "--learning-rate", "0.01", "--quiet", "--plot", str(path)])
    assert len(result["losses"]) == 3 and result["losses"][2] < result["losses"][1] < result["losses"][0]
    assert result["test_accuracy"] > 0.8
    assert path.read_bytes().startswith(b"\x89PNG")


def _numpy_cnn_logits(params, x):
    """The network in NumPy: 'SAME' 3x3 cross-correlation by shifted sums, ReLU, 2x2 max by reshape."""
    for layer in params["convs"]:
        w = np.asarray(layer["w"])
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
        side = x.shape[1]
        x = sum(padded[:, i:i + side, j:j + side, :] @ w[i, j] for i in range(3) for j in range(3))
        x = np.maximum(x + layer["b"], 0)
        n, h, v, c = x.shape
        x = x.reshape(n, h // 2, 2, v // 2, 2, c).max(axis=(2, 4))
    return x.reshape(len(x), -1) @ params["dense"]["w"] + params["dense"]["b"]


def test_cnn_digits_logits_match_a_numpy_convnet():
    x, _, _, _ = cnn_digits.load_digit_images(0.25, 0)
    assert x.shape[1:] == (8, 8, 1)
    params = cnn_digits.init_cnn(random.PRNGKey(1), [4, 6])
    got = cnn_digits.logits(params, x[:5])
    np.testing.assert_allclose(got, _numpy_cnn_logits(params, x[:5]), rtol=1e-12, atol=1e-12)


def test_cnn_digits_loss_gradient_matches_finite_differences():
    x, _, labels, _ = cnn_digits.load_digit_images(0.25, 0)
    params = cnn_digits.init_cnn(random.PRNGKey(0), [2, 3])
    # Nonzero biases: the digits' blank background would put pre-activations exactly at ReLU's kink.
    for layer, shift in zip(params["convs"], (0.1, -0.05)):
        layer["b"] = layer["b"] + shift
    check_grads(lambda p: cnn_digits.loss_fn(p, x[:4], labels[:4]), (params,), order=1)


def test_cnn_digits_schedule_warms_up_for_one_epoch_then_decays():
    args = cnn_digits.parse_args(["--epochs", "4", "--learning-rate", "0.01"])
    optimizer = cnn_digits.make_optimizer(args, 40)
    params = {"w": np.zeros(3)}
    state = optimizer.init(params)
    sizes = []
    for _ in range(40):  # Adam's first step moves each parameter by about the step size
        updates, state = optimizer.update({"w": np.ones(3)}, state, params)
        sizes.append(float(np.abs(updates["w"][0])))
    assert sizes[0] == 0.0 and np.argmax(sizes) == 10 and abs(sizes[10] - 0.01) < 1e-6
    assert all(a >= b for a, b in zip(sizes[10:], sizes[11:])) and sizes[-1] < 0.001


def test_cnn_digits_rejects_more_pools_than_the_image_allows():
    with pytest.raises(SystemExit):
        cnn_digits.parse_args(["--channels", "4", "4", "4", "4"])


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


def test_the_loss_plot_is_skipped_with_a_message_without_matplotlib(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # importing it now raises ImportError
    assert not _training.save_loss_plot([1.0, 0.5], str(tmp_path / "loss.png"), "a title")
    assert "matplotlib is not installed" in capsys.readouterr().err
    assert not (tmp_path / "loss.png").exists()


@pytest.mark.slow
def test_the_loss_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "loss.png"
    assert _training.save_loss_plot([1.0, 0.5, 0.2], str(path), "a title")
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
