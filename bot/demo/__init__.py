"""The offline demo: the sandbox and the real bot on a fake clock, a terminal patient or a
synthetic cohort, and a summary of what was stored."""
