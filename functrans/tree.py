"""``functrans.tree``: the pytree functions under JAX's short names (``jax.tree``).

>>> from functrans import tree
>>> tree.map(lambda x: x * 10, {"a": 1, "b": (2, None)})
{'a': 10, 'b': (20, None)}
"""
from ._tree import *  # noqa: F403
from ._tree import __all__
