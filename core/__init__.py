"""What every layer of Deskhand shares: the exception tree (`core.errors`)."""

__all__: list[str] = []
