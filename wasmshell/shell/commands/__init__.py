"""Dot-commands: the registry (name, usage, options, argument kinds) and one module per group of commands."""
