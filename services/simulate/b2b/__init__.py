"""Builders of realistic B2B documents (X12, EDIFACT, cXML, email) for the simulator and tests."""
