"""Agents: the console, take-next, the whisper and the caller's context."""
