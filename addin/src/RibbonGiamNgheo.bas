Attribute VB_Name = "RibbonGiamNgheo"
' The giamngheo ribbon's one callback (ASCII only: code page 1252, so Vietnamese text is
' built with ChrW). Every button carries a tag; the Python side (macros_py.excel.dispatch)
' runs the entry point the tag names, so adding a button never needs new VBA.
Option Explicit

Sub OnButton(control As IRibbonControl)
    ' xlwings' RunPython reads ActiveWorkbook: with no workbook open it stops on error 91.
    If ActiveWorkbook Is Nothing Then
        If StartsItsOwnBook(control.Tag) Then
            Workbooks.Add
        Else
            ' WScript's Popup shows Unicode text; MsgBox shows only the ANSI code page.
            CreateObject("WScript.Shell").Popup OpenTableFirst(), 0, RibbonTitle(), 48
            Exit Sub
        End If
    End If
    RunPython "import macros_py.excel as giamngheo; giamngheo.dispatch('" & control.Tag & "')"
End Sub

Private Function StartsItsOwnBook(tag As String) As Boolean
    ' "Tao bieu moi" and "Tong hop" make their own table; every other button needs one open.
    StartsItsOwnBook = (tag = "new_table" Or Left$(tag, 10) = "new_table:" Or tag = "consolidate")
End Function

Private Function OpenTableFirst() As String
    ' "Hay mo bieu can kiem tra truoc", with its Vietnamese letters
    OpenTableFirst = "H" & ChrW(&HE3) & "y m" & ChrW(&H1EDF) & " bi" & ChrW(&H1EC3) & "u c" & ChrW(&H1EA7) & "n ki" & ChrW(&H1EC3) & "m tra tr" & ChrW(&H1B0) & ChrW(&H1EDB) & "c"
End Function

Private Function RibbonTitle() As String
    ' "Giam ngheo"
    RibbonTitle = "Gi" & ChrW(&H1EA3) & "m ngh" & ChrW(&HE8) & "o"
End Function
