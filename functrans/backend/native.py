"""A compiled program's machine code, saved as it is and loaded back without Numba's compiler.

A new process that loads a program through Numba's own cache first builds Numba's typing and
target contexts (their registries of every NumPy function Numba supports), which took about
0.25 s of a 0.3 s warm first call. The program needs none of it: its machine code is one
object file, linked with every kernel it calls, whose few remaining references name C
functions that Numba's helper libraries export (NRT allocation, LAPACK entries, math),
BLAS names of ours (``backend.blas``) and rocket-fft's pocketfft. So the cache keeps that
object file (``image``) and ``load`` links it in an LLVM engine of its own (about 10 ms for
an MLP's training step) and wraps its CPython entry the way Numba does (``_dynfunc``), the
same calling convention Numba's dispatcher uses: same code, same results, bit for bit.

A C function that a module of ours binds to a name of its own when imported (``provide``:
fast-math's out-of-line sine and cosine) travels in the image of each program calling it, so
a new process links it too instead of importing that module, and that module links it from a
file of its own: Numba would load it from its cache only after building its target context
(0.4 s of a 0.45 s first call).

``load`` gives None, and the caller compiles with Numba, for an image of another machine
(CPU name and features differ), or one naming a symbol nothing in this process provides.

This leans on Numba's internals (its object-code serialisation, ``_dynfunc``, the helper
tables); tests/test_native_images.py exercises each of them.
"""
from __future__ import annotations

import builtins
import contextlib
import ctypes
import hashlib
import importlib
import os
import pickle
import re
import struct
import sys
import threading
import types
from typing import Any, Callable

import llvmlite.binding as llvm
import numba
from numba import _dynfunc, _helperlib
from numba.core import config as numba_config
from numba.core.caching import FunctionCache
from numba.core import intrinsics
from numba.core.codegen import get_host_cpu_features
from numba.core.environment import Environment
from numba.core.runtime import _nrt_python

from . import blas
from .sealed import Damaged, open_verified, seal, write_atomically

_FORMAT = 2  # the layout of an image; bumped when it changes


def machine() -> tuple[str, str, str]:
    """What machine code is valid for: target triple, CPU name and features, as Numba compiles."""
    cpu = numba_config.CPU_NAME or llvm.get_host_cpu_name()
    features = numba_config.CPU_FEATURES if numba_config.CPU_FEATURES is not None else get_host_cpu_features()
    return llvm.get_process_triple(), cpu, features


def image(cres: Any) -> bytes | None:
    """The saved form of a program Numba just compiled (its ``CompileResult``), or None when
    it has no object code to give (a library loaded from elsewhere)."""
    obj = getattr(cres.library, "_compiled_object", None)
    if obj is None or not _is_elf(obj):
        return None
    fndesc = cres.fndesc
    try:
        consts = pickle.dumps(list(cres.environment.consts), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 -- a constant that does not pickle: this program is not saved
        return None
    undefined = undefined_symbols(obj)
    provided = {name: _provided[name] for name in undefined if name in _provided}
    return pickle.dumps({"format": _FORMAT, "machine": machine(), "object": obj, "undefined": undefined, "provided": provided,
                         "wrapper": fndesc.llvm_cpython_wrapper_name, "env": fndesc.env_name,
                         "name": fndesc.qualname.split(".")[-1], "consts": consts}, protocol=pickle.HIGHEST_PROTOCOL)


_lock = threading.Lock()
_engines: list = []  # every engine loaded, alive as long as the process (their code cannot be unloaded)


def load(payload: bytes, module_name: str) -> Callable | None:
    """The callable entry of a saved program (positional arrays, as Numba's entry point), or
    None if it cannot run here."""
    saved = pickle.loads(payload)
    if saved.get("format") != _FORMAT or tuple(saved["machine"]) != machine():
        return None
    if not _resolve(saved["undefined"], saved["provided"]):
        return None
    engine = _link(saved["object"])
    module = sys.modules.get(module_name) or types.ModuleType(module_name)
    env = Environment(module.__dict__)
    env.consts[:] = pickle.loads(saved["consts"])
    entry = _dynfunc.make_function(module, saved["name"], f"compiled program {module_name}",
                                   engine.get_function_address(saved["wrapper"]), env, (engine,))
    # The code finds its environment through this global, as Numba sets it (codegen.set_env).
    (ctypes.c_void_p * 1).from_address(engine.get_global_value_address(saved["env"]))[0] = id(env)
    return entry


def _link(obj: bytes) -> Any:
    """An LLVM engine holding the object code ``obj``, linked against this process."""
    with _lock:
        _install_numba_helpers()
        engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), _target_machine())
        engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
        engine.finalize_object()
        _engines.append(engine)
    return engine


# --------------------------------------------------------------------------- symbols

_provided: dict[str, tuple[bytes, str]] = {}  # name -> object code and symbol of the C function bound to it


def provide(name: str, signature: Any, py_func: Callable) -> None:
    """Bind ``name`` to ``py_func`` compiled as a C function of ``signature`` (Numba's ``cfunc``),
    and carry its object code in the image of every program that calls it.

    The object code is kept in a sealed file of its own (``backend.sealed``) beside Numba's
    cache of the defining module, keyed by that module's source, the machine and Numba's
    version, which later processes link without Numba's compiler or target context; a
    missing or damaged file is compiled again."""
    with open(py_func.__code__.co_filename, "rb") as f:
        source = f.read()
    key = hashlib.sha256(source + repr((machine(), numba.__version__)).encode()).hexdigest()[:32]
    path = os.path.join(FunctionCache(py_func)._cache_path, f"{name}-{key}.ftx")
    try:
        symbol, obj = open_verified(path, key).split(b"\0", 1)
        symbol = symbol.decode()
    except (OSError, Damaged, ValueError):
        function = numba.cfunc(signature, error_model="numpy")(py_func)
        library = function._library
        obj, symbol = library._codegen._tm.emit_object(library._final_module), function.native_name
        with contextlib.suppress(OSError):
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            write_atomically(path, seal(key, symbol.encode() + b"\0" + obj))
    _bind(name, obj, symbol)
    _provided[name] = (obj, symbol)


def _bind(name: str, obj: bytes, symbol: str) -> None:
    """Give ``name`` the address of the function ``symbol`` of the object code ``obj``, linked here."""
    llvm.add_symbol(name, _link(obj).get_function_address(symbol))


# Names that modules of this process bind when imported (a provider imported only when needed):
# BLAS/LAPACK names of ours and rocket-fft's pocketfft (the fast-math functions' out-of-line
# path comes in the image, see ``provide``).
_BLAS_NAME = re.compile(r"functrans_([sdcz])(\w+)")
_PROVIDERS = ("rocket_fft._native",)


def _resolve(names: list[str], provided: dict[str, tuple[bytes, str]]) -> bool:
    """Whether every symbol the object needs has an address here: linking the C functions its
    image carries (``provided``: name -> object code and the function's own symbol), and
    importing providers if still needed."""
    with _lock:
        _install_numba_helpers()
    missing = [n for n in names if not llvm.address_of_symbol(n)]
    for name in missing:
        if name in provided:
            _bind(name, *provided[name])
    missing = [n for n in missing if not llvm.address_of_symbol(n)]
    if missing:
        for name in missing:
            match = _BLAS_NAME.fullmatch(name)
            if match:
                blas.bind(match.group(2), match.group(1))
        for provider in _PROVIDERS:
            missing = [n for n in missing if not llvm.address_of_symbol(n)]
            if not missing:
                break
            importlib.import_module(provider)
    return all(llvm.address_of_symbol(n) for n in missing)


_installed = [False]


def _install_numba_helpers() -> None:
    """The symbols Numba's target context would install: its C helpers, the NRT's, the math
    functions it binds to CPython's C library, None and the built-in exceptions."""
    if _installed[0]:
        return
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.add_symbol("_Py_NoneStruct", id(None))
    for helpers in (_helperlib.c_helpers, _dynfunc.c_helpers):
        for name, address in helpers.items():
            llvm.add_symbol("numba_" + name, address)
    for name, address in _nrt_python.c_helpers.items():
        llvm.add_symbol(name if name.startswith("_") else "NRT_" + name, address)
    for name in intrinsics.INTR_MATH:
        llvm.add_symbol(name, _helperlib.c_helpers[name])
    for obj in vars(builtins).values():
        if isinstance(obj, type) and issubclass(obj, BaseException):
            llvm.add_symbol(f"PyExc_{obj.__name__}", id(obj))
    _installed[0] = True


def _target_machine() -> Any:
    triple, cpu, features = machine()
    return llvm.Target.from_triple(triple).create_target_machine(cpu=cpu, features=features, jit=True)


# --------------------------------------------------------------------------- ELF


def _is_elf(obj: bytes) -> bool:
    # 64-bit little-endian ELF (Linux): the only format whose symbol table is read here.
    return obj[:6] == b"\x7fELF\x02\x01"


def undefined_symbols(obj: bytes) -> list[str]:
    """The names an ELF64 object file references but does not define."""
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * shentsize) for i in range(shnum)]
    names = []
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strtab = sections[link][4]
        for start in range(offset + entsize, offset + size, entsize):  # entry 0 is the null symbol
            name_at, info, _, section = struct.unpack_from("<IBBH", obj, start)
            if section == 0 and name_at:  # SHN_UNDEF
                end = obj.index(b"\0", strtab + name_at)
                names.append(obj[strtab + name_at:end].decode())
    return names


def _renew_lock_in_child() -> None:
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_renew_lock_in_child)
