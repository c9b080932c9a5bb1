"""The forms as data (one TOML spec per form) and the code that reads them: spec, notation, formulas."""
