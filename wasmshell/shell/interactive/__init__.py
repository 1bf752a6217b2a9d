"""The interactive editor: prompt_toolkit input, highlighting and completion (loaded for a terminal)."""
