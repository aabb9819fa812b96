"""Pure workflow definitions: states, transitions, roles. Imports nothing of Berjasa's."""
