"""The working-day calendar: the package's holidays, the city's overrides, and its version."""
