"""``get_scaled_dot_general_config``: the block-scaling configurations of
``scaled_dot_general``'s quantized mode (JAX's cuDNN block-scaled float8/float4 products)."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


@dataclasses.dataclass
class BlockScaleConfig:
    """How ``scaled_dot_general`` quantizes an operand: blocks of ``block_size`` elements stored as
    ``data_type`` with one ``scale_type`` scale each (and a global scale for nvfp4). The float8
    and float4 types are named, not NumPy dtypes: functrans has neither (API.md's exclusions)."""

    mode: str
    block_size: int
    data_type: Any
    scale_type: Any
    global_scale: Any
    infer_only: bool


def get_scaled_dot_general_config(mode: str, global_scale: Any = None) -> BlockScaleConfig:
    """The quantization configuration of ``mode``: 'mxfp8' (blocks of 32 float8_e4m3fn values with
    float8_e8m0fnu scales) or 'nvfp4' (blocks of 16 float4_e2m1fn values with float8_e4m3fn scales
    and a float32 ``global_scale``, 1 by default). ``scaled_dot_general`` here computes in full
    precision and refuses such configs (NotImplementedError): they describe GPU kernels.

    >>> get_scaled_dot_general_config("mxfp8").block_size
    32
    """
    if mode == "nvfp4":
        scale = np.ones((1,), np.float32) if global_scale is None else global_scale
        return BlockScaleConfig("nvfp4", 16, "float4_e2m1fn", "float8_e4m3fn", scale, False)
    if mode == "mxfp8":
        return BlockScaleConfig("mxfp8", 32, "float8_e4m3fn", "float8_e8m0fnu", None, False)
    raise ValueError(f"Unsupported mode: {mode}")
