"""Exception types raised by functrans.

Every error says what went wrong and where: the primitive or transformation,
the argument, the shapes involved.
"""


class FunctransError(Exception):
    """Base class of functrans's own exceptions."""


class ConcretizationError(FunctransError, TypeError):
    """Python needed a concrete value (``if``, ``bool``, ``int``, indexing) from a traced one."""


class TracerBoolConversionError(ConcretizationError):
    """``bool()`` (an ``if`` or ``while``) on a traced value."""


class UnexpectedTracerError(FunctransError):
    """A tracer was used after the transformation that created it had ended."""


class ShapeError(FunctransError, TypeError, ValueError):
    """A primitive received operands of incompatible shapes: a ``TypeError``, as JAX raises
    for shape mismatches (and a ``ValueError``, as NumPy raises for failed broadcasts)."""


class DTypeError(FunctransError, TypeError):
    """A primitive received operands of incompatible dtypes."""


class CompilationError(FunctransError):
    """The Numba backend could not compile a program."""


class NaNError(FunctransError, FloatingPointError):
    """``config.debug_nans`` found a primitive that produced a NaN."""


class CacheWarning(RuntimeWarning):
    """The disk cache was not used, or an entry of it was discarded (the program still runs)."""


class CompilationWarning(RuntimeWarning):
    """A background compile failed; the program runs eagerly instead (same results, slower)."""
