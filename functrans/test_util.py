"""``check_grads``: derivatives checked against finite differences and against each other."""
from ._test_util import *  # noqa: F403
from ._test_util import __all__
