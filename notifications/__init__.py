"""Notifications: the in-app inbox and e-mail deliveries made from outbox events."""
