"""The sandbox's Microsoft Entra sign-in: OpenID metadata, signing keys, the token endpoint,
and the access tokens it issues and Graph verifies."""
