"""Precompiled scalar kernels for special functions that generated loops call per element."""
