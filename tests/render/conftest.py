from __future__ import annotations

import pytest

from render.context import RenderContext


@pytest.fixture(scope="module")
def rc():
    context = RenderContext.headless()
    yield context
    context.release()
