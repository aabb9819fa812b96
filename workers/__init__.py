"""Dramatiq side: broker set-up, thin actors, process commands. Imports berjasa; berjasa never imports this."""
