"""potrack tests, mirroring schemas/, projections/ and services/; integration/ is real infra."""
