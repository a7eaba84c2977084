"""Unit tests: pure code only, no Kafka, no database."""
