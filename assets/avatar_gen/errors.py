"""The generator's own error: an inconsistency in the avatar definition (a bug to fix in code)."""
from __future__ import annotations

from assets.errors import VividError


class AvatarBuildError(VividError, RuntimeError):
    """The avatar definition is inconsistent (e.g. a part with no skin-weight rule)."""
