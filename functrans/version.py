"""The package version (its own module, so the backend can key its cache on it)."""
__version__ = "0.1.0"
