"""How tests/data/culprit_text_guarded_libreoffice.xlsx was made (run from the repository root:
`.venv/bin/python tests/data/make_guarded.py tests/data/culprit_text_guarded_libreoffice.xlsx`).

handmade.HandmadeTable(Style(total="first", formulas=True)); Tràng Phái's poor households at the
end of the year (F12) typed as the text '3320', its column 6 guarded as officers guard it,
=IF(COUNT(D12,F12)<2,"",F12-D12); saved through LibreOffice, which stores an empty text result for
H12 (COUNT skips the text) and the totals without the text (SUM skips it)."""
import sys
from pathlib import Path

sys.path.insert(0, "tests")
from handmade import HandmadeTable, Style, build_workbook, save_through_libreoffice  # noqa: E402

table = HandmadeTable(Style(total="first", formulas=True))
wb = build_workbook([table])
ws = wb["Biểu"]
row = table.unit_rows[3]
ws[f"H{row}"].value = f'=IF(COUNT(D{row},F{row})<2,"",F{row}-D{row})'
ws[f"F{row}"].value = "3320"
print(save_through_libreoffice(wb, Path(sys.argv[1])))
