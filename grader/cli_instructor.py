"""Instructor commands of ``tfgrader`` (gradebook, exports, deadlines, Gradescope bundle, new courses)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add the instructor commands to the ``tfgrader`` group."""
