"""Confirm before destroy: the approvals desk, its rules, cards, news and notifiers."""
