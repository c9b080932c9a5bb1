"""Everything that writes workbooks: layouts, the xlsx writer, openpyxl painting, safe outputs."""
