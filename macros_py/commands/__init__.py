"""One module per command's core, shared by the command line and the Excel buttons."""
