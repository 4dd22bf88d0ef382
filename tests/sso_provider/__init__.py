"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit's OIDC in
a Django process of its own, on loopback (``server.py`` starts it). It stands for the
province's unified identity platform; nothing of Mingshi is imported here."""
