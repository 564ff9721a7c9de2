"""The audit log: an append-only hash chain, its keys and anchors, and posting its head."""
