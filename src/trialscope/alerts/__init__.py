"""Alerts by email and feed: subscribing with double opt-in (``subscriptions``), digests built from the
change events imports and syncs record (``digests``), and Atom feeds of saved searches (``feeds``)."""
