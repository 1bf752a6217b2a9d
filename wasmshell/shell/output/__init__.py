"""Output: how result rows become text, mode by mode, written as they arrive."""
