"""``functrans.tree``: the pytree functions under JAX's short names (``jax.tree``)."""
