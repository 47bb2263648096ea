"""Sandbox legacy consoles: small web apps with their own SQLite, reached over HTTP only."""
