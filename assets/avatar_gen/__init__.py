"""Generator of the built-in avatar (assets/avatar/vivid_presenter.glb).

Run ``python -m assets.avatar_gen -o assets/avatar/vivid_presenter.glb``. The output is
deterministic: the same bytes on every run, so tests compare the committed file with a
fresh build.
"""
from __future__ import annotations

from .build import build_glb

__all__ = ["build_glb"]
