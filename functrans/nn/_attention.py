"""Scaled dot-product attention (``jax.nn.dot_product_attention``) and the scaled matrix
products of ``jax.nn`` that have a plain-arithmetic meaning on a CPU."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import lax
from .. import numpy as fnp
from ..lax._softmax_rows import softmax_rows
from ..numpy._base import ArrayLike
from ._softmax import logsumexp

__all__ = ["dot_product_attention", "scaled_dot_general", "scaled_matmul"]


def _large_negative(dtype: np.dtype) -> float:
    """The logit that masks a position out: far below any real logit yet finite, so a
    fully masked row softmaxes to uniform weights instead of nan (as JAX)."""
    limit = min(np.finfo(dtype).max, np.finfo(np.float32).max)  # a NumPy scalar: the product rounds as JAX's
    return float(-0.7 * limit)


def _as_4d(t: ArrayLike) -> Any:
    t = fnp.asarray(t)
    return fnp.reshape(t, (1,) * (4 - t.ndim) + t.shape) if t.ndim < 4 else t


def _check(t: Any, shape: Sequence[int], dtype: Any, name: str) -> None:
    """Raise JAX's ValueError unless ``t`` (if given) has ``shape`` (-1: any size) and ``dtype``."""
    if t is None:
        return
    if t.ndim != len(shape):
        raise ValueError(f"dot_product_attention: {name} ndim should be {len(shape)}, but got {t.ndim} (shape {t.shape})")
    if dtype is not None and t.dtype != dtype:
        raise ValueError(f"dot_product_attention: {name} dtype should be {dtype}, but got {t.dtype}")
    if any(want != -1 and got != want for want, got in zip(shape, t.shape)):
        raise ValueError(f"dot_product_attention: {name} shape should be {tuple(shape)} (-1: any), but got {t.shape}")


def _grouped(t: Any | None, heads: int, kv_heads: int) -> Any | None:
    """A (B, N or 1, T, S) bias or mask as (B, K, G, T, S): query head n = k * G + g."""
    if t is None:
        return None
    b, n, tq, s = t.shape
    if n == 1:
        return fnp.reshape(t, (b, 1, 1, tq, s))
    if n != heads:
        raise ValueError(f"dot_product_attention: bias and mask need 1 or {heads} heads (axis 1), got shape {t.shape}")
    return fnp.reshape(t, (b, kv_heads, heads // kv_heads, tq, s))


def _query_axis_third(t: Any) -> Any:
    """A bias or mask broadcastable to (B, K, G, T, S) as one broadcastable to the logits' (B, K, T, G, S)."""
    return fnp.swapaxes(fnp.reshape(t, (1,) * (5 - t.ndim) + t.shape), 2, 3)


def _biased_and_masked(logits: Any, scale: float, bias: Any | None, keep: Any | None) -> tuple[Any, float]:
    """The (B, K, T, G, S) logits scaled, biased and masked, but for the scale left to
    softmax_rows: all of it where no bias or mask comes between (it scales as it reads)."""
    if bias is None and keep is None:
        return logits, scale
    dtype = logits.dtype
    logits = logits * scale
    if bias is not None:
        logits = fnp.astype(logits + _query_axis_third(bias), dtype)
    if keep is not None:
        logits = fnp.where(_query_axis_third(keep), logits, _large_negative(dtype))
    return logits, 1.0


def _combined_mask(mask: Any | None, is_causal: bool, q_len: int, kv_len: int, q_lengths: Any | None,
                   kv_lengths: Any | None, window: tuple[int, int] | None) -> Any | None:
    """The (broadcastable to B, K, G, T, S) boolean of the logits kept, or None to keep all."""
    keep = [] if mask is None else [mask]
    q_pos = fnp.reshape(fnp.arange(q_len), (q_len, 1))
    kv_pos = fnp.reshape(fnp.arange(kv_len), (1, kv_len))
    if is_causal:
        keep.append(q_pos >= kv_pos)
    if window is not None:
        left, right = window
        keep.append(fnp.logical_and(q_pos <= kv_pos + left, q_pos >= kv_pos - right))
    if q_lengths is not None:
        keep.append(fnp.reshape(q_pos, (1, 1, 1, q_len, 1)) < fnp.reshape(q_lengths, (-1, 1, 1, 1, 1)))
    if kv_lengths is not None:
        keep.append(fnp.reshape(kv_pos, (1, 1, 1, 1, kv_len)) < fnp.reshape(kv_lengths, (-1, 1, 1, 1, 1)))
    if not keep:
        return None
    combined = keep[0]
    for m in keep[1:]:
        combined = fnp.logical_and(combined, m)
    return combined


def _check_layouts(query, key, value, bias, mask, q_lengths, kv_lengths) -> None:
    """Raise for operands (already 4-d) whose shapes or dtypes do not fit key's (B, S, K, H)."""
    batch, kv_len, kv_heads, head_size = key.shape
    _check(value, (batch, kv_len, kv_heads, head_size), key.dtype, "value")
    _check(query, (batch, -1, -1, head_size), key.dtype, "query")
    _check(mask, (-1,) * 4, np.dtype(bool), "mask")
    _check(bias, (-1,) * 4, None, "bias")
    for lengths, name in ((q_lengths, "query_seq_lengths"), (kv_lengths, "key_value_seq_lengths")):
        _check(lengths, (batch,), None, name)
        if lengths is not None and lengths.dtype.kind not in "iu":
            raise ValueError(f"dot_product_attention: {name} must be integers, got dtype {lengths.dtype}")
    if query.shape[2] % kv_heads:
        raise ValueError(f"dot_product_attention: the number of query heads must be a multiple of key/value heads, "
                         f"but got {query.shape[2]} vs {kv_heads}")


def dot_product_attention(
    query: ArrayLike, key: ArrayLike, value: ArrayLike, bias: ArrayLike | None = None, mask: ArrayLike | None = None, *,
    scale: float | None = None, is_causal: bool = False, query_seq_lengths: ArrayLike | None = None,
    key_value_seq_lengths: ArrayLike | None = None, local_window_size: int | tuple[int, int] | None = None,
    implementation: str | None = None, return_residual: bool = False,
) -> Any:
    """``softmax(scale * query @ key^T + bias, masked) @ value`` over arrays laid out
    (batch B, sequence T or S, heads N or K, head size H); the batch axis may be left out.

    Query heads may be a multiple of key/value heads (grouped-query attention: query head
    ``n`` attends with key head ``n // (N // K)``). ``scale`` defaults to ``1/sqrt(H)``.
    ``mask`` (boolean, broadcastable to (B, N, T, S)), ``is_causal``, the per-batch
    ``query_seq_lengths``/``key_value_seq_lengths`` and ``local_window_size`` (``(left,
    right)`` or one int for both: query ``t`` sees keys ``t - left .. t + right``) all
    remove logits; query positions past their length give 0. ``return_residual`` also
    returns the log-sum-exp of the masked logits, shape (B, T, N). Only the portable
    implementation exists: ``implementation`` may be None or "xla".

    >>> q = np.ones((2, 1, 4)); v = np.arange(8.0).reshape(2, 1, 4)
    >>> dot_product_attention(q, q, v, is_causal=True)[:, 0]
    array([[0., 1., 2., 3.],
           [2., 3., 4., 5.]])
    """
    if implementation not in (None, "xla"):
        raise ValueError(f"dot_product_attention: unsupported implementation {implementation!r}: "
                         "only None and 'xla' exist here (cuDNN needs an NVIDIA GPU)")
    output_shape = fnp.asarray(query).shape
    query, key, value = _as_4d(query), _as_4d(key), _as_4d(value)
    bias = None if bias is None else _as_4d(bias)
    mask = None if mask is None else _as_4d(mask)
    q_lengths = None if query_seq_lengths is None else fnp.asarray(query_seq_lengths)
    kv_lengths = None if key_value_seq_lengths is None else fnp.asarray(key_value_seq_lengths)
    _check_layouts(query, key, value, bias, mask, q_lengths, kv_lengths)
    batch, kv_len, kv_heads, head_size = key.shape
    q_len, heads = query.shape[1], query.shape[2]
    window = (local_window_size, local_window_size) if isinstance(local_window_size, int) else local_window_size
    # A Python float: weakly typed, so float32 logits stay float32 (a NumPy float64 would promote them).
    scale = float(1.0 / np.sqrt(head_size)) if scale is None else scale

    # Logits in at least float32 (float16 inputs would overflow), laid out (B, K, T, G, S):
    # dot_general's own order for these operands, so no transpose comes between the product,
    # the softmax (along S) and the next product.
    logits_dtype = np.promote_types(key.dtype, np.float32)
    grouped_query = fnp.reshape(query, (batch, q_len, kv_heads, heads // kv_heads, head_size))
    logits = fnp.einsum("BTKGH,BSKH->BKTGS", fnp.astype(grouped_query, logits_dtype), fnp.astype(key, logits_dtype))
    keep = _combined_mask(_grouped(mask, heads, kv_heads), is_causal, q_len, kv_len, q_lengths, kv_lengths, window)
    logits, softmax_scale = _biased_and_masked(logits, scale, _grouped(bias, heads, kv_heads), keep)
    probs = fnp.astype(softmax_rows(logits, softmax_scale), key.dtype)
    encoded = fnp.einsum("BKTGS,BSKH->BTKGH", probs, value)
    if q_lengths is not None:
        valid = fnp.reshape(fnp.arange(q_len), (1, q_len, 1, 1, 1)) < fnp.reshape(q_lengths, (-1, 1, 1, 1, 1))
        encoded = encoded * fnp.astype(valid, encoded.dtype)
    encoded = fnp.reshape(encoded, output_shape)
    if not return_residual:
        return encoded
    residual = fnp.transpose(fnp.astype(logsumexp(logits * softmax_scale, axis=-1), key.dtype), (0, 2, 1, 3))
    return encoded, lax.stop_gradient(fnp.reshape(residual, output_shape[:-1]))


def scaled_matmul(lhs: ArrayLike, rhs: ArrayLike, lhs_scales: ArrayLike, rhs_scales: ArrayLike,
                  preferred_element_type: Any = np.float32) -> Any:
    """Block-scaled batched product ``out[b, m, n] = sum_k lhs[b, m, k] * lhs_scales[b, m, k // bs]
    * rhs[b, n, k] * rhs_scales[b, n, k // bs]``, where the block size ``bs`` is
    ``K // K_scales``; computed in ``preferred_element_type``.

    >>> a = np.ones((1, 1, 4)); s = np.array([[[1.0, 10.0]]])
    >>> scaled_matmul(a, a, s, np.ones((1, 1, 2)))
    array([[[22.]]], dtype=float32)
    """
    dtype = np.dtype(preferred_element_type)
    a, b, a_scales, b_scales = (fnp.astype(fnp.asarray(t), dtype) for t in (lhs, rhs, lhs_scales, rhs_scales))
    if not all(t.ndim == 3 for t in (a, b, a_scales, b_scales)):
        raise ValueError("scaled_matmul requires all inputs to be 3-dimensional arrays, got shapes "
                         f"{a.shape}, {b.shape}, {a_scales.shape}, {b_scales.shape}")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[2]:
        raise ValueError(f"scaled_matmul requires lhs and rhs to have matching batch (B) and contract (K) "
                         f"dimensions, but got shapes {a.shape} and {b.shape}")
    if a_scales.shape[0] != b_scales.shape[0] or a_scales.shape[2] != b_scales.shape[2]:
        raise ValueError(f"scaled_matmul requires scales to have matching batch (B) and contract (K) "
                         f"dimensions, but got shapes {a_scales.shape} and {b_scales.shape}")
    if a_scales.shape[1] != a.shape[1] or b_scales.shape[1] != b.shape[1]:
        raise ValueError(f"scaled_matmul requires scales to match the non-contract dimensions of the inputs, but "
                         f"got shapes lhs: {a.shape}, rhs: {b.shape}, lhs_scales: {a_scales.shape}, "
                         f"rhs_scales: {b_scales.shape}")
    blocks = a_scales.shape[2]
    if blocks == 0 or a.shape[2] % blocks:
        raise ValueError(f"scaled_matmul: the contract dimension {a.shape[2]} must be a multiple of the scales' "
                         f"{blocks} blocks")
    block_size = a.shape[2] // blocks
    a = a * fnp.repeat(a_scales, block_size, axis=2)
    b = b * fnp.repeat(b_scales, block_size, axis=2)
    return fnp.einsum("bmk,bnk->bmn", a, b)


def scaled_dot_general(lhs: ArrayLike, rhs: ArrayLike, dimension_numbers: Any, preferred_element_type: Any = np.float32,
                       configs: Any = None, implementation: str | None = None) -> Any:
    """``lax.dot_general`` computed in ``preferred_element_type``. Quantizing ``configs``
    (block-scaled float8/float4, a GPU feature) are not supported.

    >>> scaled_dot_general(np.ones((2, 3)), np.ones((3, 4)), (((1,), (0,)), ((), ())))[0]
    array([3., 3., 3., 3.], dtype=float32)
    """
    if configs is not None:
        raise NotImplementedError("scaled_dot_general: quantizing configs (block-scaled float8/float4 on GPUs) "
                                  "are not supported; pass configs=None")
    dtype = np.dtype(preferred_element_type)
    return lax.dot_general(fnp.astype(fnp.asarray(lhs), dtype), fnp.astype(fnp.asarray(rhs), dtype),
                           dimension_numbers)
