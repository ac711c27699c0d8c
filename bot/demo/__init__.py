"""The offline demo: the sandbox and the real bot on a fake clock, with a patient at the
terminal or a synthetic cohort answering for a year, and a summary of what was stored.

``followup demo`` (``bot.cli.demo``) is the entry point; :class:`DemoSession` is the world
both runs share.
"""

from __future__ import annotations

from bot.demo.runner import AutoResult, run_auto_demo, run_interactive_demo
from bot.demo.session import DemoError, DemoPatient, DemoSession

__all__ = [
    "AutoResult",
    "DemoError",
    "DemoPatient",
    "DemoSession",
    "run_auto_demo",
    "run_interactive_demo",
]
