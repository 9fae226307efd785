"""Commands of issue 3 (exchange): filled in by its own change."""

from __future__ import annotations
