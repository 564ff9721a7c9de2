"""The request pipeline, the spine every channel enters through: an `Invocation` goes through
the router's middleware (access, tenants, guards, follow-ups) to a command and back as a Reply."""
