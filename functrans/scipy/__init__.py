"""``functrans.scipy``: the subset of ``jax.scipy`` written on functrans primitives."""
from . import special

__all__ = ["special"]
