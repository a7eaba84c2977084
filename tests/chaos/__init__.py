"""`make chaos`: potrack under faults (SIGKILLs, a broker and a PostgreSQL restart), checked
end to end; see RELIABILITY.md. Not part of `make test` but for test_checks.py, which
checks the checks themselves."""
