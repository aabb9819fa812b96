"""Case events (the tamper-evident audit log), the outbox, and the consumers' bookkeeping."""
