"""The emitter: builds one function's source, with names for variables, hoisted
constants, output buffers and the scratch arena. Lowering rules write through it
(``em.emit``, ``em.fresh``, ``em.allocate``, ``em.scratch``, ``em.inline``; loops add
``em.loop_scope`` and ``em.loop_buffer``)."""
from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

import numpy as np

from ..ir import Eqn, Jaxpr, Literal, Var, pp_eqn, _Names
from ..lowering import is_view, literal
from .fusion import consumers_of
from .memory import Arena


class Emitter:
    def __init__(self, jaxpr: Jaxpr, func_name: str, fuse: bool = True, arg_names: Sequence[str] | None = None):
        self.jaxpr = jaxpr
        self.fuse = fuse
        self.func_name = func_name
        self.names: dict[Var, str] = {}
        self.pretty = _Names()
        self.lines: list[str] = []
        self.constants: dict[tuple, str] = {}
        self.counter = 0
        self.consumers = consumers_of(jaxpr)
        # Where each argument came from in the caller's pytrees ("params['W']"), for comments.
        self.arg_names = list(arg_names or [])
        # Outputs are written into buffers the caller allocates (boxing returned arrays
        # costs Numba far more than np.empty does in Python).
        self.out_slots = [f"out{k}" for k in range(len(jaxpr.outvars))]
        self.direct: dict[Var, str] = {}
        # Array constants of nested jaxprs (loop bodies, branches) become leading arguments.
        self.hoisted: list[np.ndarray] = []
        self.base = 0
        self.views: dict[Var, Eqn] = {}
        self.arena = Arena()
        self.nested = 0  # inside a loop body or branch
        self.loop_buffers: list[list[tuple[int, int]]] = []  # per open loop_scope
        self.prelude: list[str] = []  # lines opening the function body: arena views of nested bodies
        self.result_sharing: list = []  # of the last inlined body: see codegen.ProgramEmitter.inline
        self.placed: dict[Var, tuple[int, int]] = {}  # arena blocks of live values
        self.scratch_blocks: list[tuple[int, int]] = []  # blocks dead after the current statement
        self.freed: list[tuple[tuple[int, int], str]] = []  # blocks given back, and whose they were
        self.parallel = False  # some loop runs on threads (Numba's parallel=True)

    # ------------------------------------------------------------------ memory

    def allocate(self, var: Var) -> str:
        """Emit the allocation of ``var``'s array: an output buffer when it is one, else
        a block of the scratch arena (or a fresh array inside nested bodies)."""
        name = self.name(var)
        slot = next((s for s, x in zip(self.out_slots, self.jaxpr.outvars) if x is var), None)
        if slot is not None and var not in self.direct:
            self.direct[var] = slot
            self.emit(f"{name} = {slot}")
            return name
        reshaped = self._reshaped_output(var)
        if reshaped is not None:  # its reshape (a view) is an output: write into the output's buffer
            out, slot = reshaped
            self.direct[out] = slot
            self.emit(f"{name} = {slot}.reshape({var.aval.shape!r})")
            return name
        block = self._arena_block(var.aval.shape, var.aval.dtype)
        if block is None:
            self.emit(f"{name} = np.empty({var.aval.shape!r}, np.{var.aval.dtype.name})")
        else:
            self.placed[var] = block
            self._emit_view(name, block, var.aval.shape, var.aval.dtype)
        return name

    def _reshaped_output(self, var: Var) -> tuple[Var, str] | None:
        """The output (and its buffer) that is a reshape of ``var``, if there is one still unwritten."""
        if self.nested:
            return None
        taken = set(self.direct.values())
        for eqn in self.consumers.get(var, []):
            if eqn is not None and is_view(eqn.primitive):
                out = eqn.out_binders[0]
                slot = next((s for s, x in zip(self.out_slots, self.jaxpr.outvars) if x is out and s not in taken), None)
                if slot is not None:
                    return out, slot
        return None

    def scratch(self, shape: tuple[int, ...], dtype: np.dtype) -> str:
        """A temporary array for the current statement only."""
        return self._held_array("scratch", shape, dtype, self.scratch_blocks)

    def _held_array(self, prefix: str, shape: tuple[int, ...], dtype: np.dtype, holder: list) -> str:
        """A new array in an arena block that ``holder`` keeps (and gives back when it is done)."""
        name = self.fresh(prefix)
        block = self._arena_block(shape, dtype)
        if block is None:
            self.emit(f"{name} = np.empty({shape!r}, np.{np.dtype(dtype).name})")
        else:
            holder.append(block)
            self._emit_view(name, block, shape, dtype)
        return name

    def _emit_view(self, name: str, block: tuple[int, int], shape: tuple[int, ...], dtype: np.dtype) -> None:
        """``name = `` the arena block as an array. In a nested body the line goes to the top of
        the function: made in a loop body, a view costs about what a scalar body computes."""
        line = f"{name} = {self._arena_view(block, shape, dtype)}{self._reuse_note(block)}"
        if self.nested:
            self.prelude.append("    " + line)
        else:
            self.emit(line)

    def _arena_block(self, shape: tuple[int, ...], dtype: np.dtype) -> tuple[int, int] | None:
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
        if not nbytes:
            return None
        return self.arena.take(nbytes), nbytes

    def _reuse_note(self, block: tuple[int, int]) -> str:
        """A comment naming the dead values whose bytes ``block`` takes over."""
        start, end = block[0], block[0] + block[1]
        overlaps = lambda o, n: o < end and start < o + n
        reused = sorted({owner for (o, n), owner in self.freed if overlaps(o, n) and owner != "scratch"})
        self.freed = [(b, owner) for b, owner in self.freed if not overlaps(*b)]  # taken over now
        return f"  # reuses the bytes of {', '.join(reused)} (dead)" if reused else ""

    @staticmethod
    def _arena_view(block: tuple[int, int], shape: tuple[int, ...], dtype: np.dtype) -> str:
        offset, nbytes = block
        return f"kernels.arena_view(ws, {offset}, {offset + nbytes}, np.{np.dtype(dtype).name}, {shape!r})"

    @contextlib.contextmanager
    def loop_scope(self) -> Iterator[None]:
        """Emit a loop inside: the blocks its body takes are given back when it ends. A loop
        keeps its state in buffers allocated before it (the body's results are copied there),
        so nothing the body made is read after it, and a block taken inside is never read
        in one iteration and written in the next by the same lines."""
        before = set(self.placed)
        self.loop_buffers.append([])
        yield
        for block in self.loop_buffers.pop():
            self.arena.give(*block)
        self.release([v for v in self.placed if v not in before])

    def loop_buffer(self, shape: tuple[int, ...], dtype: np.dtype) -> str:
        """An array for the innermost ``loop_scope``: allocated before its loop, held until it ends."""
        return self._held_array("buf", shape, dtype, self.loop_buffers[-1])

    def release(self, dead: Sequence[Var]) -> None:
        """Return the blocks of values no longer needed (and of finished scratch) to the arena."""
        for var in dead:
            if var in self.placed:
                block = self.placed.pop(var)
                self.arena.give(*block)
                self.freed.append((block, self.name(var)))
        for block in self.scratch_blocks:
            self.arena.give(*block)
            self.freed.append((block, "scratch"))
        self.scratch_blocks = []

    # ------------------------------------------------------------------ names and lines

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def name(self, var: Var) -> str:
        if var not in self.names:
            self.names[var] = f"v_{self.pretty[var]}"
        return self.names[var]

    def constant(self, value: np.ndarray) -> str:
        key = (value.dtype.str, value.tobytes())
        if key not in self.constants:
            self.constants[key] = f"c{len(self.constants)}"
        return self.constants[key]

    def read_array(self, x: Any) -> str:
        """An atom as an array expression (a 0-d literal becomes a 0-d array)."""
        if isinstance(x, Literal):
            return f"np.full((), {literal(x.val)})"
        return self.name(x)

    def read_scalar(self, x: Any) -> str:
        if isinstance(x, Literal):
            return self.constant(x.val)
        return f"{self.name(x)}[()]"

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * (depth + self.base) + line)

    def copy_lines(self, dst: str, src: str, shape: tuple[int, ...]) -> list[str]:
        """``dst[...] = src`` as nested loops, lines indented relative to the first: Numba takes
        seconds to compile an assignment between arrays the first time a process meets one
        (3.5 s more than a loop for a 2-d float32 copy) and runs it slower."""
        if not shape:
            return [f"{dst}[()] = {src}[()]"]
        index = [self.fresh("ix") for _ in shape]
        lines = ["    " * k + f"for {i} in range({n}):" for k, (i, n) in enumerate(zip(index, shape))]
        return lines + ["    " * len(shape) + f"{dst}[{', '.join(index)}] = {src}[{', '.join(index)}]"]

    def emit_copy(self, dst: str, src: str, shape: tuple[int, ...], depth: int = 1) -> None:
        for line in self.copy_lines(dst, src, shape):
            self.emit(line, depth)

    def call_python(self, function: str, leading: Sequence[str], inputs: Sequence[tuple[Any, str]],
                    outputs: Sequence[tuple[Var, str]]) -> None:
        """Emit an object-mode call of the Python ``function`` (a dotted name) with the
        ``leading`` source arguments, then a tuple describing each input atom and a tuple for
        each output buffer, given as ``(atom, name)``; ``lowering.described_array`` turns a
        description back into an array.

        Arrays cross into object mode as ``(pointer, strides, dtype, shape)``, not as arrays:
        Numba 0.68 fails to compile ("Instruction does not dominate all uses") a function with
        two object-mode blocks taking arrays when one is in a loop or a branch. Literals are
        hoisted to arguments, because object mode in a program loaded from the disk cache
        sees none of the generated module's globals. A test after the block keeps the arrays
        alive until then (Numba frees a value after its last use)."""
        def entry(x: Any, name: str) -> str:
            if isinstance(x, Literal):
                name = self.hoist(x.val)
            pointer, strides = self.fresh("py_ptr"), self.fresh("py_strides")
            self.emit(f"{pointer} = {name}.ctypes.data")
            self.emit(f"{strides} = {name}.strides")
            return f"({pointer}, {strides}, {x.aval.dtype.str!r}, {x.aval.shape!r})"

        ins = "".join(entry(x, name) + ", " for x, name in inputs)
        outs = "".join(entry(x, name) + ", " for x, name in outputs)
        module, _, attribute = function.rpartition(".")
        callee = f"__import__({module!r})." + ".".join(module.split(".")[1:] + [attribute])
        self.emit("with numba.objmode():")
        self.emit(f"{callee}({''.join(a + ', ' for a in leading)}({ins}), ({outs}))", 2)
        alive = [name for x, name in inputs if not isinstance(x, Literal)] + [name for _, name in outputs]
        self.emit(f"if {' or '.join(f'{a}.size < 0' for a in alive)}:  # keeps the arrays alive until here")
        self.emit('raise RuntimeError("unreachable")', 2)

    def hoist(self, value: Any) -> str:
        self.hoisted.append(np.asarray(value, order="C"))
        return f"k{len(self.hoisted) - 1}"

    def describe(self, eqn: Eqn, registers: dict | None = None) -> str:
        """A comment line showing ``eqn`` in the generated code's own names, ``registers``
        giving those of values a loop keeps in local scalars (error messages name the
        comment above a failing line)."""
        text = pp_eqn(eqn, _CodeNames(self, registers or {})).replace("\n", " ")
        return "# " + (text if len(text) <= 150 else text[:147] + "...")

    def comment(self, eqn: Eqn, depth: int = 1) -> None:
        self.emit(self.describe(eqn), depth)

    def inline(self, closed: Any, args: Sequence[str], depth: int) -> list[str]:
        """Emit a nested jaxpr (a branch or loop body) in place; see codegen.ProgramEmitter."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the function

    def source(self) -> str:
        hoisted = [f"k{i}" for i in range(len(self.hoisted))]
        workspace = ["ws"] if self.arena.size else []
        params = self.jaxpr.constvars + self.jaxpr.invars
        args = workspace + hoisted + [self.name(v) for v in params] + self.out_slots
        head = [f"def {self.func_name}({', '.join(args)}):"]
        doc = self._argument_comments(params)
        tail = []
        for slot, x in zip(self.out_slots, self.jaxpr.outvars):
            if isinstance(x, Var) and self.direct.get(x) == slot:
                continue
            if not x.aval.ndim:
                tail.append(f"    {slot}[()] = {self.read_scalar(x)}")
            elif isinstance(x, Literal):
                tail.append(f"    {slot}[...] = {self.read_scalar(x)}")  # a fill compiles quickly
            else:
                tail.extend("    " + line for line in self.copy_lines(slot, self.name(x), x.aval.shape))
        consts = [f"    {name} = {literal(np.frombuffer(raw, np.dtype(dt)).reshape(()))}" for (dt, raw), name in self.constants.items()]
        return "\n".join(head + doc + consts + self.prelude + self.lines + tail + ["    return None"]) + "\n"

    def _argument_comments(self, params: list[Var]) -> list[str]:
        """One comment line per argument: where it came from and its type."""
        lines = []
        if self.arena.size:
            lines.append(f"    # ws: scratch arena, {self.arena.size} bytes")
        for i in range(len(self.hoisted)):
            lines.append(f"    # k{i}: a constant of a nested body")
        n_consts = len(self.jaxpr.constvars)
        inputs = self.arg_names or [f"argument {i}" for i in range(len(params) - n_consts)]
        for v, where in zip(params, ["a constant"] * n_consts + inputs):
            lines.append(f"    # {self.name(v)}: {where}, {v.aval.str_short()}")
        for slot, x in zip(self.out_slots, self.jaxpr.outvars):
            lines.append(f"    # {slot}: output buffer, {x.aval.str_short()}")
        return lines


class _CodeNames:
    """Names for the jaxpr printer that are the generated code's own (``v_b``), so a comment
    reads like the lines under it: a value kept in a register by its own name (``t5``), and
    a view, which has no variable, as the expression the loop reads (``transpose(v_a)``)."""

    def __init__(self, em: Emitter, registers: dict):
        self.em, self.registers = em, registers

    def __getitem__(self, var: Var) -> str:
        if var in self.registers:
            return self.registers[var]
        view = self.em.views.get(var)
        if view is None:
            return self.em.name(var)
        ins = ", ".join(self[x] if isinstance(x, Var) else repr(x.val.item()) for x in view.inputs)
        return f"{view.primitive.name}({ins})"
