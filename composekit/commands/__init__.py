"""Command modules of the ``composekit`` CLI, each holding one typer command function.

They import only typer and the standard library at module level; each command
imports what it needs when it runs, so that registering it costs nothing.
"""
