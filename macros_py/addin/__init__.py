"""Building and installing the Excel add-in (addin/giamngheo.xlam)."""
