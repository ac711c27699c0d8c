"""The running bot of the end-to-end tests, for the intake tests that need one."""

from tests.bot.e2e.conftest import harness

__all__ = ["harness"]
