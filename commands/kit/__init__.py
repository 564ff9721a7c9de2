"""What every command is built with: the registry and `@command`, argument parsing, the context
a handler receives, plans for destructive actions, read-backs, and shared wording."""
