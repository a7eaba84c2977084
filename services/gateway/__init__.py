"""The B2B gateway: raw documents on po.documents.v1 in, contract CloudEvents out (§2b)."""
