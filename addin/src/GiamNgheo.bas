Attribute VB_Name = "GiamNgheo"
' The giamngheo ribbon's one callback (ASCII only: code page 1252).
' Every button carries a tag; the Python side (macros_py.excel.dispatch) runs the
' entry point the tag names, so adding a button never needs new VBA.
Option Explicit

Sub OnButton(control As IRibbonControl)
    RunPython "import macros_py.excel as giamngheo; giamngheo.dispatch('" & control.Tag & "')"
End Sub
