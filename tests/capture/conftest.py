"""Capture tests use the shared fixtures of tests/conftest.py (test data, models)."""
from __future__ import annotations



