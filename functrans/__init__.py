"""functrans: composable transformations of NumPy programs — grad, vmap, jit.

>>> import functrans as ft
>>> import functrans.numpy as fnp
>>> ft.grad(lambda x: fnp.sin(x) * x)(1.0)
array(1.38177329)
"""
from . import lax  # registers every primitive and its rules
from . import numpy, tree, tree_util
from . import nn, optim, random, scipy
from .api import (
    ShapeDtypeStruct, eval_shape, grad, hessian, hvp, jacfwd, jacrev, jvp, linearize, make_jaxpr, value_and_grad, vjp,
    vmap,
)
from .backend.cache import cache_info, clear_disk_cache
from .config import config
from .custom_derivatives import checkpoint, custom_jvp, custom_vjp, remat
from .dispatch import jit
from .core import ShapedArray
from .errors import (
    CacheWarning, CompilationError, CompilationWarning, ConcretizationError, TracerBoolConversionError,
    UnexpectedTracerError,
)
from .lax import stop_gradient

from .version import __version__

# --- top-level API (devices, callbacks, debugging): imports below
from . import ad_checkpoint, debug, typing
from .ad_checkpoint import checkpoint_policies
from .api import jacobian, linear_transpose
from .callbacks import pure_callback
from .controls import disable_jit, ensure_compile_time_eval, named_call, named_scope
from .custom_derivatives import closure_convert, custom_gradient
from .devices import (
    Array, Device, block_until_ready, copy_to_host_async, default_backend, default_device, device_count, device_get,
    device_put, devices, effects_barrier, local_device_count, local_devices, print_environment_info, process_indices,
    typeof,
)
from .dispatch import clear_caches

# --- pmap and distributed: imports below
from . import distributed
from ._pmap import pmap
from .distributed import process_count, process_index
