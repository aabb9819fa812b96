"""Work-accident (JKK) claims."""
