"""A tiny OpenID Connect provider (django-oauth-toolkit) answering like ProConnect, for tests/accounts/test_oidc.py.

It runs in its own process (`python -m tests.accounts.oidc_provider`), with its own SQLite database and RSA key.
"""
