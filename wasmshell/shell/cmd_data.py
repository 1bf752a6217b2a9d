"""Dot-commands that move data in and out: .dump, .import, .backup, .save."""

from __future__ import annotations
