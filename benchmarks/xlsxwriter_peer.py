"""The peer for `new`: plain xlsxwriter writing the same cells (formulas with cached values,
formats, merged header, conditional formatting), without giamngheo's spec and layout code."""
import csv
import sys

import xlsxwriter

units = list(csv.reader(open(sys.argv[1], encoding="utf-8"), delimiter=";"))[1:]
wb = xlsxwriter.Workbook(sys.argv[2])
ws = wb.add_worksheet("Biểu")
count, rate, head = wb.add_format({"num_format": "#,##0", "border": 1}), \
    wb.add_format({"num_format": "0.00", "border": 1}), wb.add_format({"bold": True, "border": 1})
ws.merge_range(0, 0, 0, 14, "BIỂU DỰ KIẾN GIẢM NGHÈO", head)
for i, t in enumerate(["A", "B", "1", "2", "3=2/1x100", "4", "5", "6=4-2", "7=5-3", "8", "9=8/1x100", "10",
                       "11", "12=10-8", "13=11-9"]):
    ws.write_string(6, i, t, head)
for r, u in enumerate(units, start=8):
    name, c1, c2, c4, c5, c8, c10, c11 = u[0], *map(float, u[1:])
    ws.write_number(r - 1, 0, r - 7)
    ws.write_string(r - 1, 1, name)
    for col, v in ((2, c1), (3, c2), (5, c4), (9, c8), (11, c10)):
        ws.write_number(r - 1, col, v, count)
    ws.write_number(r - 1, 6, c5, rate)
    ws.write_number(r - 1, 12, c11, rate)
    e, k = round(c2 / c1 * 100, 2), round(c8 / c1 * 100, 2)
    # guarded as giamngheo writes them: blank until the cells they read are typed
    ws.write_formula(r - 1, 4, f'=IF(COUNT(D{r},C{r})<2,"",ROUND(IF(C{r}=0,0,D{r}/C{r})*100,2))', rate, e)
    ws.write_formula(r - 1, 7, f'=IF(COUNT(F{r},D{r})<2,"",F{r}-D{r})', count, c4 - c2)
    ws.write_formula(r - 1, 8, f'=IF(COUNT(G{r},E{r})<2,"",ROUND(G{r}-E{r},2))', rate, round(c5 - e, 2))
    ws.write_formula(r - 1, 10, f'=IF(COUNT(J{r},C{r})<2,"",ROUND(IF(C{r}=0,0,J{r}/C{r})*100,2))', rate, k)
    ws.write_formula(r - 1, 13, f'=IF(COUNT(L{r},J{r})<2,"",L{r}-J{r})', count, c10 - c8)
    ws.write_formula(r - 1, 14, f'=IF(COUNT(M{r},K{r})<2,"",ROUND(M{r}-K{r},2))', rate, round(c11 - k, 2))
last = 7 + len(units)
ws.conditional_format(f"D8:D{last}", {"type": "formula", "criteria": "=(D8)>(C8)", "format": head})
wb.close()
