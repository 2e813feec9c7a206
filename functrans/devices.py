"""Arrays and devices as JAX programs see them: ``Array``, one CPU ``Device`` per process,
``device_put``/``device_get``/``block_until_ready``, ``typeof`` and the environment report.

functrans computes on NumPy arrays in the calling process, so there is exactly one
device and no asynchronous dispatch: ``block_until_ready`` has nothing to wait for, and
``device_put`` only has to give the value the independence of a JAX array (a copy that
later writes to the caller's NumPy array cannot reach).
"""
from __future__ import annotations

import abc
import contextlib
import os
import platform
import sys
from typing import Any, Iterator

import numba
import numpy as np
import scipy

from . import core
from .distributed import process_count
from .tree_util import tree_map
from .version import __version__


class Array(abc.ABC):
    """The type of functrans arrays, for ``isinstance`` checks and annotations: NumPy arrays
    (what functrans returns) and the tracers that stand for arrays inside transformations.

    >>> from functrans import grad, numpy as fnp
    >>> isinstance(fnp.ones(3), Array), isinstance(1.0, Array)
    (True, False)
    >>> grad(lambda x: float(isinstance(x, Array)) * x)(2.0)
    array(1.)
    """


Array.register(np.ndarray)
Array.register(core.Tracer)


class Device:
    """A device computations run on: functrans has one, the CPU of this process.

    >>> devices()
    [CpuDevice(id=0)]
    >>> devices()[0].platform
    'cpu'
    """

    __slots__ = ("id",)
    platform = "cpu"
    device_kind = "cpu"
    process_index = 0
    host_id = 0
    client = None

    def __init__(self, id: int = 0):
        self.id = id

    def __repr__(self) -> str:
        return f"CpuDevice(id={self.id})"

    def __str__(self) -> str:
        return f"TFRT_CPU_{self.id}"


_CPU = Device(0)


def _check_backend(backend: Any, where: str) -> None:
    if backend is not None and backend != "cpu":
        raise RuntimeError(f"{where}: unknown backend {backend!r}; functrans has only 'cpu'")


def devices(backend: str | None = None) -> list[Device]:
    """Every device (one CPU device)."""
    _check_backend(backend, "devices")
    return [_CPU]


def local_devices(process_index: int | None = None, backend: str | None = None, host_id: int | None = None) -> list[Device]:
    """The devices of process ``process_index`` (this one; there is only one).

    >>> local_devices()
    [CpuDevice(id=0)]
    """
    _check_backend(backend, "local_devices")
    index = process_index if process_index is not None else host_id
    if index not in (None, 0):
        raise ValueError(f"local_devices: process_index {index} out of range: there is only process 0")
    return [_CPU]


def device_count(backend: str | None = None) -> int:
    """The number of devices of the job: one CPU device per process.

    >>> device_count()
    1
    """
    _check_backend(backend, "device_count")
    return process_count()


def local_device_count(backend: str | None = None) -> int:
    """The number of devices of this process (1)."""
    _check_backend(backend, "local_device_count")
    return 1


def default_backend() -> str:
    """The platform computations run on by default.

    >>> default_backend()
    'cpu'
    """
    return "cpu"


def process_indices(backend: str | None = None) -> list[int]:
    """The indices of the job's processes (``[0]`` for a process alone).

    >>> process_indices()
    [0]
    """
    _check_backend(backend, "process_indices")
    return list(range(process_count()))


@contextlib.contextmanager
def default_device(device: Device | None = None) -> Iterator[None]:
    """Within this block, computations without a placed argument go to ``device`` (there is
    one device, so nothing changes).

    >>> with default_device(devices()[0]):
    ...     pass
    """
    _check_device(device, "default_device")
    yield


def _check_device(device: Any, where: str) -> None:
    if device is not None and device is not _CPU:
        if isinstance(device, Device) or getattr(device, "platform", None) == "cpu":
            return
        raise TypeError(f"{where}: device must be None or a functrans Device (functrans.devices()[0]), got {device!r}")


def _put_leaf(x: Any, may_alias: bool | None) -> Any:
    if isinstance(x, core.Tracer):
        return x
    if not core.is_valid_value(x):
        raise TypeError(f"device_put: argument of type {type(x).__name__} ({x!r:.60}) is not a valid functrans array type")
    if type(x) is np.ndarray and may_alias:
        return x
    return np.array(x)  # a copy: a later write to the caller's array must not change the placed value


def device_put(x: Any, device: Device | None = None, *, src: Device | None = None, donate: bool = False,
               may_alias: bool | None = None) -> Any:
    """Place the arrays of pytree ``x`` on ``device`` (the CPU): each leaf becomes a NumPy array
    of its own (a copy, unless ``may_alias=True`` lets an array pass unchanged); traced values
    pass through. ``donate`` changes nothing here (there is no device memory to reuse).

    >>> x = np.zeros(2)
    >>> y = device_put(x)
    >>> x[0] = 1.0
    >>> y
    array([0., 0.])
    """
    _check_device(device, "device_put")
    _check_device(src, "device_put")
    return tree_map(lambda leaf: _put_leaf(leaf, may_alias), x)


def _get_leaf(x: Any) -> Any:
    if isinstance(x, core.Tracer):
        return x
    to_array = getattr(x, "__array__", None)
    return x if to_array is None else to_array()


def device_get(x: Any) -> Any:
    """The values of pytree ``x`` as host NumPy arrays (arrays are already there and are
    returned as they are; NumPy scalars become 0-d arrays; other leaves pass unchanged).

    >>> device_get({"w": np.ones(2), "n": 3})
    {'n': 3, 'w': array([1., 1.])}
    """
    return tree_map(_get_leaf, x)


def copy_to_host_async(x: Any) -> Any:
    """Start copying the arrays of pytree ``x`` to the host, and return ``x``: they are there."""
    return x


def effects_barrier() -> None:
    """Wait until the side effects (debug callbacks) of calls made so far have run: they run
    before each call returns, so there is nothing to wait for."""


def block_until_ready(x: Any) -> Any:
    """Wait until every array of pytree ``x`` is computed, and return ``x``. functrans
    computes before it returns, so there is nothing to wait for.

    >>> block_until_ready([np.ones(2)])
    [array([1., 1.])]
    """
    return x


def typeof(x: Any) -> core.ShapedArray:
    """The abstract value of ``x``: its shape, dtype and weak type, as tracing sees it.

    >>> typeof(np.ones((2, 3), np.float32))
    ShapedArray((2, 3), float32)
    """
    return core.get_aval(np.asarray(x) if isinstance(x, np.generic) else x)


def _environment_info() -> str:
    lines = [
        f"functrans: {__version__}",
        f"numpy:     {np.__version__}",
        f"scipy:     {scipy.__version__}",
        f"numba:     {numba.__version__}",
        f"python:    {sys.version.replace(chr(10), ' ')}",
        f"device info: cpu-{device_count()}, {local_device_count()} local devices",
        f"process_count: {process_count()}",
        f"platform: {platform.uname()}",
    ]
    lines += [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(("FUNCTRANS_", "NUMBA_"))]
    return "\n".join(lines)


def print_environment_info(return_string: bool = False) -> str | None:
    """The versions of functrans and what it runs on, the device, and the ``FUNCTRANS_*`` and
    ``NUMBA_*`` environment variables: printed, or returned with ``return_string=True``.

    >>> print_environment_info(return_string=True).splitlines()[0].startswith("functrans: ")
    True
    """
    info = _environment_info()
    if return_string:
        return info
    print(info)
    return None


__all__ = [
    "Array", "Device", "block_until_ready", "copy_to_host_async", "default_backend", "default_device", "device_count",
    "device_get", "device_put", "devices", "effects_barrier", "local_device_count", "local_devices", "print_environment_info",
    "process_count", "process_index", "process_indices", "typeof",
]
