"""Commands of issue 3 (gate): filled in by its own change."""

from __future__ import annotations
