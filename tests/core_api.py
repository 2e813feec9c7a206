"""The functions the core test files (test_jit, test_vmap) check one by one: functrans.numpy
and functrans.lax as they were before the breadth families (statistics, sets, polynomials,
index tricks, bit-level math, special functions, convolutions, linalg...), which carry jit and
vmap tests in their own files."""

CORE_NUMPY = {
    'abs', 'absolute', 'add', 'all', 'amax', 'amin', 'any', 'arange', 'arccos', 'arccosh', 'arcsin', 'arcsinh',
    'arctan', 'arctan2', 'arctanh', 'argmax', 'argmin', 'argsort', 'around', 'array', 'asarray', 'astype', 'at',
    'atleast_1d', 'atleast_2d', 'bitwise_and', 'bitwise_or', 'bitwise_xor', 'broadcast_arrays', 'broadcast_shapes',
    'broadcast_to', 'cbrt', 'ceil', 'clip', 'concatenate', 'cos', 'cosh', 'cumprod', 'cumsum', 'diag', 'diagonal',
    'divide', 'dot', 'einsum', 'equal', 'exp', 'exp2', 'expand_dims', 'expm1', 'eye', 'flip', 'fliplr', 'flipud',
    'floor', 'floor_divide', 'full', 'full_like', 'getitem', 'greater', 'greater_equal', 'hstack', 'hypot',
    'identity', 'inner', 'invert', 'isfinite', 'isinf', 'isnan', 'less', 'less_equal', 'linspace', 'log', 'log10',
    'log1p', 'log2', 'logaddexp', 'logical_and', 'logical_not', 'logical_or', 'logical_xor', 'matmul', 'max',
    'maximum', 'mean', 'min', 'minimum', 'mod', 'moveaxis', 'multiply', 'ndim', 'negative', 'not_equal', 'ones',
    'ones_like', 'outer', 'pad', 'positive', 'power', 'prod', 'ravel', 'reciprocal', 'remainder', 'repeat',
    'reshape', 'result_type', 'roll', 'round', 'shape', 'sign', 'sin', 'sinh', 'size', 'sort', 'split', 'sqrt',
    'square', 'squeeze', 'stack', 'std', 'subtract', 'sum', 'swapaxes', 'take', 'take_along_axis', 'tan', 'tanh',
    'tensordot', 'tile', 'trace', 'transpose', 'tril', 'triu', 'true_divide', 'var', 'vdot', 'vstack', 'where',
    'zeros', 'zeros_like'
}

CORE_LAX = {
    'abs', 'acos', 'acosh', 'add', 'add_any', 'argmax', 'argmin', 'argsort', 'asin', 'asinh', 'atan', 'atan2',
    'atanh', 'bitwise_and', 'bitwise_not', 'bitwise_or', 'bitwise_xor', 'broadcast_in_dim', 'broadcasted_iota',
    'cbrt', 'ceil', 'concatenate', 'cond', 'convert_element_type', 'cos', 'cosh', 'cummax', 'cummin', 'cumprod',
    'cumsum', 'digamma', 'div', 'dot_general', 'dynamic_slice', 'dynamic_update_slice', 'eq', 'erf', 'exp', 'exp2',
    'expand_dims', 'expm1', 'floor', 'fori_loop', 'full', 'full_like', 'gather', 'ge', 'gt', 'integer_pow', 'iota',
    'is_finite', 'le', 'lgamma', 'log', 'log1p', 'logistic', 'lt', 'map', 'max', 'min', 'mul', 'ne', 'neg', 'pad',
    'pow', 'reduce_max', 'reduce_min', 'reduce_prod', 'reduce_sum', 'rem', 'reshape', 'rev', 'round', 'rsqrt',
    'scan', 'scatter', 'select', 'select_n', 'shift_left', 'shift_right_logical', 'sign', 'sin', 'sinh', 'slice',
    'sort', 'sqrt', 'square', 'squeeze', 'stop_gradient', 'sub', 'switch', 'take_along_axis', 'tan', 'tanh',
    'transpose', 'trigamma', 'while_loop', 'zeros_like'
}
