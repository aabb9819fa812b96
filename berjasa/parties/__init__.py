"""Parties: Disnaker, BPJS Ketenagakerjaan and the PLKK hospitals."""
