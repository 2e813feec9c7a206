"""The implementation of ``functrans.optim.losses``, which re-exports the names in ``__all__``."""
from __future__ import annotations

import operator
import warnings
from typing import Any, Optional, Union

import numpy as np

from .. import dtypes, nn
from .. import numpy as fnp
from ..scipy.special import logsumexp

__all__ = [
    "convex_kl_divergence", "cosine_distance", "cosine_similarity", "generalized_kl_divergence", "hinge_loss",
    "huber_loss", "kl_divergence", "kl_divergence_with_log_targets", "l2_loss", "log_cosh", "multiclass_hinge_loss",
    "multiclass_perceptron_loss", "perceptron_loss", "poly_loss_cross_entropy", "safe_softmax_cross_entropy",
    "sigmoid_binary_cross_entropy", "sigmoid_focal_loss", "smooth_labels", "softmax_cross_entropy",
    "softmax_cross_entropy_with_integer_labels", "squared_error",
]

Axis = Union[int, tuple[int, ...], None]


def _check_kind(function: str, argument: str, x: Any, kind: str) -> Any:
    """``x`` as an array, or TypeError if its dtype is not of ``kind`` ("floating" or "integer")."""
    x = fnp.asarray(x)
    ok = dtypes.is_float(x.dtype) if kind == "floating" else dtypes.is_integer(x.dtype)
    if not ok:
        raise TypeError(f"{function}: {argument} must have a {kind} dtype, got {x.dtype}")
    return x


def _check_same_shape(function: str, a: Any, b: Any) -> None:
    if fnp.shape(a) != fnp.shape(b):
        raise ValueError(f"{function}: the shapes must be equal, got {fnp.shape(a)} and {fnp.shape(b)}")


def _sum(x: Any, axis: Axis, where: Any = None, keepdims: bool = False) -> Any:
    """``sum(x, axis)`` over the elements where ``where`` holds (all of them without it)."""
    if where is not None:
        x = fnp.where(where, x, fnp.zeros_like(x))
    return fnp.sum(x, axis=axis, keepdims=keepdims)


def _log_softmax(x: Any, axis: Axis, where: Any) -> Any:
    """``log_softmax`` over the elements where ``where`` holds; 0 at the others, which the callers sum away."""
    if where is None:
        return nn.log_softmax(x, axis=axis)
    lse = logsumexp(fnp.where(where, x, -np.inf), axis=axis, keepdims=True)
    return fnp.where(where, x - lse, fnp.zeros_like(x))


def _expand_where(where: Any, like: Any, axis: Axis) -> Any:
    """A ``where`` mask given without the class axis, with it added back."""
    if where is not None and fnp.ndim(where) != fnp.ndim(like):
        where = fnp.expand_dims(where, axis)
    return where


# --------------------------------------------------------------------------- regression


def _errors(predictions: Any, targets: Any) -> Any:
    return predictions - targets if targets is not None else predictions


def squared_error(predictions: Any, targets: Optional[Any] = None) -> Any:
    """``(predictions - targets)**2`` elementwise (``predictions**2`` without targets).

    >>> squared_error(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    array([1., 4.])
    """
    predictions = _check_kind("squared_error", "predictions", predictions, "floating")
    if targets is not None:
        _check_same_shape("squared_error", predictions, targets)
    return _errors(predictions, targets) ** 2


def l2_loss(predictions: Any, targets: Optional[Any] = None) -> Any:
    """Half the squared error, ``0.5 * (predictions - targets)**2``.

    >>> l2_loss(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    array([0.5, 2. ])
    """
    return 0.5 * squared_error(fnp.asarray(predictions), targets)


def huber_loss(predictions: Any, targets: Optional[Any] = None, *, delta: Any = 1.0) -> Any:
    """The Huber loss (Huber, 1964): ``0.5 * e**2`` for ``|e| <= delta``, linear ``delta * (|e| - delta / 2)`` beyond.

    >>> huber_loss(np.array([0.5, 3.0]))
    array([0.125, 2.5  ])
    """
    predictions = _check_kind("huber_loss", "predictions", predictions, "floating")
    abs_errors = fnp.abs(_errors(predictions, targets))
    quadratic = fnp.minimum(abs_errors, delta)
    return 0.5 * quadratic**2 + delta * (abs_errors - quadratic)


def log_cosh(predictions: Any, targets: Optional[Any] = None) -> Any:
    """``log(cosh(predictions - targets))``, computed without overflow.

    >>> [round(float(v), 4) for v in log_cosh(np.array([0.0, 1.0, 1000.0]))]
    [0.0, 0.4338, 999.3069]
    """
    predictions = _check_kind("log_cosh", "predictions", predictions, "floating")
    errors = _errors(predictions, targets)
    return fnp.logaddexp(errors, -errors) - fnp.astype(np.log(2.0), fnp.asarray(errors).dtype)


def cosine_similarity(predictions: Any, targets: Any, *, epsilon: Any = 0.0, axis: Axis = -1, where: Any = None) -> Any:
    """The cosine of the angle between ``predictions`` and ``targets`` along ``axis`` (squared norms clamped below at ``epsilon``).

    >>> cosine_similarity(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 2.0], [3.0, 3.0]]))
    array([0., 1.])
    """
    a = _check_kind("cosine_similarity", "predictions", predictions, "floating")
    b = _check_kind("cosine_similarity", "targets", targets, "floating")
    a_norm = fnp.sqrt(fnp.clip(_sum(fnp.square(a), axis, where, keepdims=True), epsilon))
    b_norm = fnp.sqrt(fnp.clip(_sum(fnp.square(b), axis, where, keepdims=True), epsilon))
    return _sum((a / a_norm) * (b / b_norm), axis, where)


def cosine_distance(predictions: Any, targets: Any, *, epsilon: Any = 0.0, axis: Axis = -1, where: Any = None) -> Any:
    """``1 - cosine_similarity``.

    >>> float(cosine_distance(np.array([1.0, 0.0]), np.array([-1.0, 0.0])))
    2.0
    """
    return 1.0 - cosine_similarity(predictions, targets, epsilon=epsilon, axis=axis, where=where)


# --------------------------------------------------------------------------- classification


def softmax_cross_entropy(logits: Any, labels: Any, axis: Axis = -1, where: Any = None) -> Any:
    """The cross-entropy ``-sum(labels * log_softmax(logits))`` along ``axis``, for label distributions.

    >>> np.round(softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]])), 6)
    array([0.693147])
    """
    logits = _check_kind("softmax_cross_entropy", "logits", logits, "floating")
    where = _expand_where(where, logits, axis)
    return -_sum(labels * _log_softmax(logits, axis, where), axis, where)


def safe_softmax_cross_entropy(logits: Any, labels: Any) -> Any:
    """``softmax_cross_entropy`` along the last axis that stays finite where a logit is ``-inf`` with label 0.

    >>> float(safe_softmax_cross_entropy(np.array([0.0, -np.inf]), np.array([1.0, 0.0])))
    -0.0
    """
    logits = _check_kind("safe_softmax_cross_entropy", "logits", logits, "floating")
    log_probs = nn.log_softmax(logits, axis=-1)
    # Zero labels select 0 before the product, so that 0 * -inf never happens.
    return -fnp.sum(labels * fnp.where(labels != 0.0, log_probs, fnp.zeros_like(log_probs)), axis=-1)


def softmax_cross_entropy_with_integer_labels(logits: Any, labels: Any, axis: Axis = -1, where: Any = None) -> Any:
    """The cross-entropy for integer class labels: ``logsumexp(logits) - logits[label]`` along ``axis``
    (a tuple of axes is treated as one flattened class axis).

    >>> [round(float(v), 6) for v in softmax_cross_entropy_with_integer_labels(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([1, 0]))]
    [0.693147, 4.5e-05]
    """
    logits = _check_kind("softmax_cross_entropy_with_integer_labels", "logits", logits, "floating")
    labels = _check_kind("softmax_cross_entropy_with_integer_labels", "labels", labels, "integer")
    where = _expand_where(where, logits, axis)
    if isinstance(axis, tuple):
        logit_axes = tuple(operator.index(a) % logits.ndim for a in axis)
        batch_axes = tuple(a for a in range(logits.ndim) if a not in logit_axes)
        logits = fnp.reshape(fnp.transpose(logits, batch_axes + logit_axes), tuple(logits.shape[a] for a in batch_axes) + (-1,))
        where = None if where is None else fnp.reshape(fnp.transpose(where, batch_axes + logit_axes), logits.shape)
        axis = len(batch_axes)
    elif isinstance(axis, int):
        if not -logits.ndim <= axis < logits.ndim:
            raise ValueError(f"softmax_cross_entropy_with_integer_labels: axis {axis} is out of bounds for logits of shape {logits.shape}")
        axis = axis % logits.ndim
    else:
        raise ValueError(f"softmax_cross_entropy_with_integer_labels: axis must be an int or a tuple of ints, got {type(axis).__name__}")
    label_logits = fnp.squeeze(fnp.take_along_axis(logits, fnp.expand_dims(labels, axis), axis=axis), axis=axis)
    masked = logits if where is None else fnp.where(where, logits, -np.inf)
    out = logsumexp(masked, axis=axis) - label_logits
    if where is not None:
        out = fnp.where(fnp.any(where, axis=axis), out, fnp.zeros_like(out))
    return out


def sigmoid_binary_cross_entropy(logits: Any, labels: Any) -> Any:
    """The binary cross-entropy of ``sigmoid(logits)`` against ``labels`` in [0, 1], elementwise.

    >>> np.round(sigmoid_binary_cross_entropy(np.array([0.0, 100.0]), np.array([1.0, 1.0])), 6)
    array([0.693147, 0.      ])
    """
    logits = _check_kind("sigmoid_binary_cross_entropy", "logits", logits, "floating")
    labels = fnp.astype(labels, logits.dtype)
    log_p, log_not_p = -nn.softplus(-logits), -nn.softplus(logits)
    return -labels * log_p - (1.0 - labels) * log_not_p


def sigmoid_focal_loss(logits: Any, labels: Any, *, alpha: Optional[Any] = None, gamma: Any = 2.0) -> Any:
    """The focal loss (Lin et al., 2017): the sigmoid cross-entropy weighted by ``(1 - p_t)**gamma``,
    and by ``alpha`` (positives) or ``1 - alpha`` (negatives) if given.

    >>> [round(float(v), 6) for v in sigmoid_focal_loss(np.array([0.0, 3.0]), np.array([1.0, 1.0]))]
    [0.173287, 0.000109]
    """
    logits = _check_kind("sigmoid_focal_loss", "logits", logits, "floating")
    labels = fnp.astype(labels, logits.dtype)
    ce_loss = sigmoid_binary_cross_entropy(logits, labels)
    log_p, log_q = -nn.softplus(-logits), -nn.softplus(logits)
    # log(1 - p_t) = log((1 - y) * p + y * (1 - p)), summed in log space so that it stays accurate.
    log_one_minus_p_t = logsumexp(fnp.stack([log_p, log_q], axis=-1), axis=-1, b=fnp.stack([1 - labels, labels], axis=-1))
    loss = ce_loss * fnp.exp(gamma * log_one_minus_p_t)
    if alpha is None:
        return loss
    return (alpha * labels + (1.0 - alpha) * (1.0 - labels)) * loss


def hinge_loss(predictor_outputs: Any, targets: Any) -> Any:
    """The hinge loss ``max(0, 1 - outputs * targets)`` for targets in {-1, 1}.

    >>> hinge_loss(np.array([2.0, 0.5, -1.0]), np.array([1.0, 1.0, 1.0]))
    array([0. , 0.5, 2. ])
    """
    return fnp.maximum(0, 1 - predictor_outputs * targets)


def perceptron_loss(predictor_outputs: Any, targets: Any) -> Any:
    """The perceptron loss ``max(0, -outputs * targets)`` for targets in {-1, 1}.

    >>> perceptron_loss(np.array([2.0, -1.0]), np.array([1.0, 1.0]))
    array([0., 1.])
    """
    _check_same_shape("perceptron_loss", predictor_outputs, targets)
    return fnp.maximum(0, -predictor_outputs * targets)


def _label_scores(scores: Any, labels: Any) -> tuple[Any, Any]:
    """The one-hot labels in the scores' dtype, and the score of each example's label."""
    scores = fnp.asarray(scores)
    one_hot = nn.one_hot(labels, scores.shape[-1], dtype=scores.dtype)
    return one_hot, fnp.sum(scores * one_hot, axis=-1)


def multiclass_hinge_loss(scores: Any, labels: Any) -> Any:
    """The multiclass hinge loss (Crammer & Singer, 2001): ``max_k(scores_k + [k != label]) - scores[label]``.

    >>> multiclass_hinge_loss(np.array([[3.0, 1.0], [1.0, 1.5]]), np.array([0, 0]))
    array([0. , 1.5])
    """
    one_hot, label_score = _label_scores(scores, labels)
    return fnp.max(scores + 1.0 - one_hot, axis=-1) - label_score


def multiclass_perceptron_loss(scores: Any, labels: Any) -> Any:
    """The multiclass perceptron loss ``max_k scores_k - scores[label]``.

    >>> multiclass_perceptron_loss(np.array([[3.0, 1.0], [1.0, 1.5]]), np.array([0, 0]))
    array([0. , 0.5])
    """
    _, label_score = _label_scores(scores, labels)
    return fnp.max(scores, axis=-1) - label_score


def poly_loss_cross_entropy(logits: Any, labels: Any, *, epsilon: Any = 2.0, axis: Axis = -1, where: Any = None) -> Any:
    """The Poly-1 loss (Leng et al., 2022): the softmax cross-entropy plus ``epsilon * (1 - p_t)``.

    >>> round(float(poly_loss_cross_entropy(np.array([0.0, 0.0]), np.array([1.0, 0.0]))), 6)
    1.693147
    """
    logits = _check_kind("poly_loss_cross_entropy", "logits", logits, "floating")
    labels = _check_kind("poly_loss_cross_entropy", "labels", labels, "floating")
    where = _expand_where(where, logits, axis)
    p = fnp.exp(_log_softmax(logits, axis, where))
    one_minus_pt = _sum(labels * (1 - p), axis, where)
    return softmax_cross_entropy(logits, labels, axis=axis, where=where) + epsilon * one_minus_pt


def kl_divergence(log_predictions: Any, targets: Any, axis: Axis = -1, where: Any = None) -> Any:
    """The Kullback-Leibler divergence ``sum(targets * (log(targets) - log_predictions))`` along ``axis`` (0 log 0 = 0).

    >>> round(float(kl_divergence(np.log(np.array([0.5, 0.5])), np.array([1.0, 0.0]))), 6)
    0.693147
    """
    log_predictions = _check_kind("kl_divergence", "log_predictions", log_predictions, "floating")
    targets = _check_kind("kl_divergence", "targets", targets, "floating")
    # log(1) = 0 stands in for 0 log 0, without a log(0) in the values or the gradient.
    loss = targets * (fnp.log(fnp.where(targets == 0, fnp.ones_like(targets), targets)) - log_predictions)
    return _sum(loss, axis, where)


def kl_divergence_with_log_targets(log_predictions: Any, log_targets: Any, axis: Axis = -1, where: Any = None) -> Any:
    """``kl_divergence`` with the targets given as logarithms.

    >>> round(float(kl_divergence_with_log_targets(np.log(np.array([0.5, 0.5])), np.log(np.array([0.25, 0.75])))), 6)
    0.130812
    """
    log_predictions = _check_kind("kl_divergence_with_log_targets", "log_predictions", log_predictions, "floating")
    log_targets = _check_kind("kl_divergence_with_log_targets", "log_targets", log_targets, "floating")
    return _sum(fnp.exp(log_targets) * (log_targets - log_predictions), axis, where)


def generalized_kl_divergence(log_predictions: Any, targets: Any, axis: Axis = -1, where: Any = None) -> Any:
    """The KL divergence for unnormalised measures: ``kl_divergence + sum(exp(log_predictions) - targets)``.

    >>> float(generalized_kl_divergence(np.log(np.array([1.0, 1.0])), np.array([1.0, 0.0])))
    1.0
    """
    kl = kl_divergence(log_predictions, targets, axis=axis, where=where)
    return kl + _sum(fnp.exp(log_predictions) - targets, axis, where)


def convex_kl_divergence(log_predictions: Any, targets: Any, axis: Axis = -1, where: Any = None) -> Any:
    """``generalized_kl_divergence`` under its deprecated name (a DeprecationWarning, as optax).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     float(convex_kl_divergence(np.zeros(2), np.ones(2)))
    0.0
    """
    warnings.warn("convex_kl_divergence is deprecated: use generalized_kl_divergence", DeprecationWarning, stacklevel=2)
    return generalized_kl_divergence(log_predictions, targets, axis=axis, where=where)


def smooth_labels(labels: Any, alpha: Any, *, axis: Axis = -1, where: Any = None) -> Any:
    """Label smoothing (Szegedy et al., 2016): ``(1 - alpha) * labels + alpha / num_categories``.

    >>> smooth_labels(np.array([1.0, 0.0, 0.0, 0.0]), 0.2)
    array([0.85, 0.05, 0.05, 0.05])
    """
    labels = _check_kind("smooth_labels", "labels", labels, "floating")
    if where is None:
        axes = range(labels.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
        num_categories = int(np.prod([labels.shape[a] for a in axes]))
    else:
        num_categories = fnp.astype(fnp.sum(where, axis=axis, keepdims=True), labels.dtype)
    return (1.0 - alpha) * labels + alpha / num_categories
