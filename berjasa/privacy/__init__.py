"""Personal data (UU 27/2022): what is held about a person, for a data-subject request (`export`), and the
retention rule that pseudonymises people with no open case for PERSONAL_DATA_RETENTION_YEARS (`retention`)."""
