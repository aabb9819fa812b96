"""Makassar's kecamatan as data (the migrations seed the table from their own copy)."""

# (code, name, code confirmed?) per ../shared/DOMAIN.md "Makassar".
KECAMATAN: list[tuple[str, str, bool]] = [
    ("01", "Mariso", True), ("02", "Mamajang", False), ("03", "Makassar", False),
    ("04", "Ujung Pandang", False), ("05", "Wajo", False), ("06", "Bontoala", False),
    ("07", "Tallo", True), ("08", "Ujung Tanah", False), ("09", "Panakkukang", True),
    ("10", "Tamalate", True), ("11", "Biringkanaya", True), ("12", "Manggala", True),
    ("13", "Rappocini", True), ("14", "Tamalanrea", False), ("15", "Kepulauan Sangkarrang", True),
]
