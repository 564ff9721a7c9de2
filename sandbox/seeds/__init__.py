"""The sandbox's seed data: Microsoft's published identifiers and the demo and generated tenants."""
