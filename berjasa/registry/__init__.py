"""The registry of places and (in later issues) participants."""
