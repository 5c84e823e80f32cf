"""Errors of the living photo."""
from __future__ import annotations

from assets.errors import AssetError


class PhotoError(AssetError):
    """The photo cannot be animated as asked (no face, face too small, bad --face choice)."""
