"""Kept at this path so that sessions signed in before the caching layer moved (which name their
backend by its dotted path) stay signed in: the class lives in caching.permissions."""

from caching.permissions import CachedPermissionsBackend

__all__ = ["CachedPermissionsBackend"]
