"""Form spec files (TOML), one per form."""
