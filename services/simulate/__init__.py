"""Realistic simulated traffic for `potrack simulate`, the demo and the tests."""
