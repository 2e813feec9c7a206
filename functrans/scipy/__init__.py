"""``functrans.scipy``: the subset of ``jax.scipy`` written on functrans primitives."""
from . import special
from . import linalg
from . import signal, stats

__all__ = ["linalg", "signal", "special", "stats"]
