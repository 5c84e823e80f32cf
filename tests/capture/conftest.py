"""Capture test fixtures: models from the shared data folder, tracked video cached per session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from capture.models import MODEL_DIR_ENV


