"""Simulation engine: every satellite, step by step, streamed over satellite chunks x time windows."""
