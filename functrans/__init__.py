"""functrans: composable transformations of NumPy programs (grad, vmap, jit)."""
from . import lax  # registers every primitive and its rules
