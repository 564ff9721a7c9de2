"""The Graph and Exchange reads commands share: finding people, targets and groups, a tenant's
roster, licenses, authentication methods, deleted users, mailboxes and protected accounts."""
