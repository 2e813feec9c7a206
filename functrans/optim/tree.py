"""``optax.tree``: the ``tree_utils`` functions under their short names (``tree.add``, ``tree.norm``, ...).

>>> import numpy as np
>>> float(norm({"a": np.array([3.0, 4.0])}))
5.0
"""
from __future__ import annotations

from . import tree_utils as _tu

add = _tu.tree_add
add_scale = _tu.tree_add_scale
allclose = _tu.tree_allclose
batch_shape = _tu.tree_batch_shape
bias_correction = _tu.tree_bias_correction
cast = _tu.tree_cast
cast_like = _tu.tree_cast_like
clip = _tu.tree_clip
div = _tu.tree_div
dtype = _tu.tree_dtype
full_like = _tu.tree_full_like
get = _tu.tree_get
get_all_with_path = _tu.tree_get_all_with_path
map_params = _tu.tree_map_params
max = _tu.tree_max  # noqa: A001
min = _tu.tree_min  # noqa: A001
mul = _tu.tree_mul
norm = _tu.tree_norm
ones_like = _tu.tree_ones_like
random_like = _tu.tree_random_like
scale = _tu.tree_scale
set = _tu.tree_set  # noqa: A001
size = _tu.tree_size
split_key_like = _tu.tree_split_key_like
sub = _tu.tree_sub
sum = _tu.tree_sum  # noqa: A001
update_infinity_moment = _tu.tree_update_infinity_moment
update_moment = _tu.tree_update_moment
update_moment_per_elem_norm = _tu.tree_update_moment_per_elem_norm
vdot = _tu.tree_vdot
where = _tu.tree_where
zeros_like = _tu.tree_zeros_like
