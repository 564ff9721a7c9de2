"""Durable jobs on DBOS Transact: every confirmed or approved action runs as a workflow."""
