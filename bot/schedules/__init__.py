"""Digests the clock starts: schedules on DBOS's scheduler, the digest workflow, the send ledger."""
