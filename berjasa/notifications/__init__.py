"""Notifications: the inbox, webhooks per party and e-mail, fed by the rules of workflows/notifications.py."""
