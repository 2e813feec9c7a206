"""``functrans.scipy``: the subset of ``jax.scipy`` written on functrans primitives."""
from . import special
from . import linalg

__all__ = ["special"]
