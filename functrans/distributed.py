"""Many processes, one program: MPI (mpi4py) under ``mpiexec``, one process without it.

Each process is one device of a ``pmap`` axis; collectives over a ``pmap`` axis run as MPI
operations on the arrays' own buffers. A process that raises aborts the whole MPI job
(``MPI_Abort``), so the others exit instead of waiting in a collective for it.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

from .tree_util import tree_map

_LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS")


class _World:
    comm: Any = None  # mpi4py's COMM_WORLD once initialized under a launcher


_world = _World()


def _launched_by_mpiexec() -> bool:
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def initialize() -> None:
    """Join the MPI job this process was started in by ``mpiexec``; a no-op alone.

    >>> initialize(); process_index(), process_count()
    (0, 1)
    """
    if _world.comm is not None or not _launched_by_mpiexec():
        return
    from mpi4py import MPI  # imported here: importing it initializes MPI

    _world.comm = MPI.COMM_WORLD
    previous = sys.excepthook

    def abort_job(kind, value, traceback):
        previous(kind, value, traceback)
        _abort_with(f"functrans.distributed: process {process_index()} raised {kind.__name__}; aborting the MPI job")

    sys.excepthook = abort_job


def process_index(backend: str | None = None) -> int:
    """This process's index in the job: 0 alone (``backend`` is accepted for JAX's signature).

    >>> process_index()
    0
    """
    return 0 if _world.comm is None else _world.comm.Get_rank()


def process_count(backend: str | None = None) -> int:
    """The number of processes in the job: 1 alone (``backend`` is accepted for JAX's signature).

    >>> process_count()
    1
    """
    return 1 if _world.comm is None else _world.comm.Get_size()


def abort(message: str) -> None:
    """End every process of the job with ``message`` (a process alone raises instead)."""
    if _world.comm is None:
        raise RuntimeError(message)
    _abort_with(f"functrans.distributed: process {process_index()}: {message}")


def _abort_with(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
    # mpiexec forwards a process's output asynchronously, and MPI_Abort kills the job at once: a
    # moment's wait lets the reason reach the user (on a loaded machine it was lost).
    time.sleep(0.5)
    _world.comm.Abort(1)


def shard_batch(batch: Any, axis: int = 0) -> Any:
    """This process's equal share of a global ``batch`` (every leaf split along ``axis``).

    >>> shard_batch(np.arange(6)).tolist()
    [0, 1, 2, 3, 4, 5]
    """
    count, index = process_count(), process_index()

    def shard(leaf):
        leaf = np.asarray(leaf)
        size = leaf.shape[axis]
        if size % count:
            raise ValueError(f"shard_batch: axis {axis} of size {size} (shape {leaf.shape}) does not split over {count} processes")
        step = size // count
        return np.take(leaf, np.arange(index * step, (index + 1) * step), axis=axis)

    return tree_map(shard, batch)


def _check_same(where: str, x: np.ndarray) -> None:
    """Every process must pass the same shape and dtype: say which one differs."""
    signatures = _world.comm.allgather((x.shape, x.dtype.str))
    for index, signature in enumerate(signatures):
        if signature != signatures[0]:
            abort(f"{where}: process {index} has an operand of shape {signature[0]} and dtype {signature[1]}, "
                  f"process 0 of shape {signatures[0][0]} and dtype {signatures[0][1]}")


_group_comms: dict[tuple, Any] = {}


def _communicator(groups: tuple[tuple[int, ...], ...] | None) -> Any:
    """The job's communicator, or, for ``groups`` of process indices, the one of this process's
    group (its ranks in the group's order), made once per grouping: every process asks at once."""
    if groups is None:
        return _world.comm
    if groups not in _group_comms:
        me = process_index()
        color = next(g for g, group in enumerate(groups) if me in group)
        _group_comms[groups] = _world.comm.Split(color, groups[color].index(me))
    return _group_comms[groups]


def group_index(groups: tuple[tuple[int, ...], ...] | None) -> int:
    """This process's index within its group of ``groups`` (in the job without groups)."""
    return process_index() if groups is None else next(g.index(process_index()) for g in groups if process_index() in g)


def allreduce(x: np.ndarray, op: str, where: str, out: np.ndarray | None = None,
              groups: tuple[tuple[int, ...], ...] | None = None) -> np.ndarray:
    """The elementwise ``op`` ("sum", "max" or "min") of ``x`` over every process (of this
    process's group of ``groups``), written into ``out`` (C-contiguous, ``x``'s shape and dtype)
    when given."""
    x = np.ascontiguousarray(x)
    out = np.empty_like(x) if out is None else out
    if _world.comm is None:
        out[...] = x
        return out
    from mpi4py import MPI

    _check_same(where, x)
    _communicator(groups).Allreduce(x, out, {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}[op])
    return out


def allgather(x: np.ndarray, where: str, groups: tuple[tuple[int, ...], ...] | None = None) -> np.ndarray:
    """Every process's ``x`` (of this process's group of ``groups``) stacked along a new leading
    axis, in process order (the group's order)."""
    x = np.ascontiguousarray(x)
    if _world.comm is None:
        return x[None].copy()
    _check_same(where, x)
    comm = _communicator(groups)
    out = np.empty((comm.Get_size(),) + x.shape, x.dtype)
    comm.Allgather(x, out)
    return out
