"""File formats the platform reads and writes: activity files (FIT, TCX, GPX, zip, gz) and
planned-workout files (zwo, mrc, erg, fit)."""
