"""The pure core: tables found in sheets, the rules, findings. Never touches a file or Excel."""
