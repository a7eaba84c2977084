"""Tests of the matching part of the tree."""
