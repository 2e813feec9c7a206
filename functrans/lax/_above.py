"""Functions of a higher primitive family that a lower family's rules call.

The families form layers: elementwise < shape < indexing < reduction < the rest. Two
rules reach up: elementwise ones make scalar broadcasts (``full``..., in lax.shape), and
the transpose of ``broadcast_in_dim`` is a sum (lax.reduction). Importing those modules
would make a cycle, so the lower module calls them through ``above``, which each
defining module fills as it loads; by the time any rule runs, all of lax is loaded.
"""
from types import SimpleNamespace

above = SimpleNamespace()
