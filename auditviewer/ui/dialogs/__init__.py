"""Dialogs: trust store, trusting one key."""
