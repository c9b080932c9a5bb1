"""Unicode paths for the add-in's copy of xlwings' VBA (C:\\Users\\Đức\\… on Vietnamese PCs).

VBA's own file statements and Environ() work in the Windows ANSI code page: the user
config %USERPROFILE%\\.giamngheo\\giamngheo.conf is found through Environ("USERPROFILE"),
opened with Open and parsed with Input #, and the interpreter is checked with GetAttr.
A letter outside that code page (Đ is not in cp1252; cp1258 has it, but writes ứ as ư plus a
combining accent, a different file name on NTFS) turns the path into another one, and
xlwings ends in "Could not find Interpreter!". The alternatives are weaker: 8.3 short
names are missing where 8.3 creation is disabled, and no ANSI encoding of the config holds
every Vietnamese letter. So the copy of xlwings in giamngheo.xlam reads the same places
through COM objects that take Unicode: WScript.Shell (already what xlwings expands
%VARIABLES% with), Scripting.FileSystemObject, and ADODB.Stream for the UTF-8 config the
installer writes. Each patch replaces text that must occur exactly once in the pinned
xlwings' module, so a new xlwings fails the build instead of shipping half-patched.
"""
from __future__ import annotations

CONFIG_READER = '''\
Function GetConfigFromFile(sFile As String, sName As String, Optional sValue As String) As Boolean
' giamngheo: on Windows the file is read as UTF-8 through ADODB.Stream, which also opens a
' Unicode path; Open ... For Input decodes path and text in the ANSI code page.
' Each line is "KEY","VALUE", as Write # and giamngheo addin install write it.
#If Mac Then
{mac_body}#Else
  Dim stream As Object, sText As String, lines As Variant, fields As Variant, sLine As String, i As Long

  GetConfigFromFile = False
  If Not FileExists(sFile) Then Exit Function
  Set stream = CreateObject("ADODB.Stream")
  stream.Type = 2
  stream.Charset = "utf-8"
  stream.Open
  stream.LoadFromFile sFile
  sText = stream.ReadText(-1)
  stream.Close
  If Left$(sText, 1) = ChrW(&HFEFF) Then sText = Mid$(sText, 2)
  lines = Split(Replace(sText, vbCr, ""), vbLf)
  For i = 0 To UBound(lines)
    sLine = Trim$(lines(i))
    fields = Split(sLine, """,""")
    If UBound(fields) = 1 And Left$(sLine, 1) = """" And Right$(sLine, 1) = """" Then
      If LCase$(Mid$(fields(0), 2)) = LCase$(sName) Then
        sValue = Left$(fields(1), Len(fields(1)) - 1)
        GetConfigFromFile = True
        Exit Function
      End If
    End If
  Next i
#End If
End Function
'''

# (what xlwings 0.37.8 has, what giamngheo's copy has); CRLF is added when applied
PATCHES: list[tuple[str, str]] = [
    ('        GetConfigFilePath = Environ("USERPROFILE") & "\\." & PROJECT_NAME & "\\" & PROJECT_NAME & ".conf"\n',
     '        \' giamngheo: WScript expands %USERPROFILE% in Unicode; Environ() is ANSI\n'
     '        GetConfigFilePath = ExpandEnvironmentStrings("%USERPROFILE%") & "\\." & PROJECT_NAME & "\\" & '
     'PROJECT_NAME & ".conf"\n'),
    ('   Dim Attr As Long\n'
     '   \' Guard against bad FileSpec by ignoring errors\n'
     '   \' retrieving its attributes.\n'
     '   On Error Resume Next\n'
     '   Attr = GetAttr(FileSpec)\n'
     '   If Err.Number = 0 Then\n'
     '      \' No error, so something was found.\n'
     '      \' If Directory attribute set, then not a file.\n'
     '      FileExistsOnWindows = Not ((Attr And vbDirectory) = vbDirectory)\n'
     '   End If\n',
     '   \' giamngheo: the Scripting runtime takes Unicode paths; GetAttr is ANSI\n'
     '   On Error Resume Next\n'
     '   FileExistsOnWindows = CreateObject("Scripting.FileSystemObject").FileExists(FileSpec)\n'),
    ('    TempDir = GetConfig("TEMP DIR", Environ("Temp")) \'undocumented setting\n',
     '    \' giamngheo: GetConfig expands the default through WScript, in Unicode; Environ() is ANSI\n'
     '    TempDir = GetConfig("TEMP DIR", "%TEMP%") \'undocumented setting\n'),
    ('    \' Delete file after the error message has been shown\n'
     '    On Error Resume Next\n'
     '        Kill LOG_FILE\n',
     '    \' Delete file after the error message has been shown\n'
     '    On Error Resume Next\n'
     '        CreateObject("Scripting.FileSystemObject").DeleteFile LOG_FILE \' giamngheo: Unicode path\n'),
    ('    \' Read Text File\n'
     '    Open FileName For Input As #FileNum\n'
     '        Do While Not EOF(FileNum)\n'
     '            Line Input #FileNum, Token\n'
     '            Content = Content & Token & LineBreak\n'
     '        Loop\n'
     '    Close #FileNum\n',
     '    \' Read Text File\n'
     '    #If Mac Then\n'
     '    Open FileName For Input As #FileNum\n'
     '        Do While Not EOF(FileNum)\n'
     '            Line Input #FileNum, Token\n'
     '            Content = Content & Token & LineBreak\n'
     '        Loop\n'
     '    Close #FileNum\n'
     '    #Else\n'
     '    \' giamngheo: the Scripting runtime opens the Unicode path (%TEMP% is under C:\\Users\\<name>);\n'
     '    \' the text is read in the ANSI code page, as Open ... For Input reads Python\'s stderr\n'
     '    With CreateObject("Scripting.FileSystemObject").OpenTextFile(FileName, 1, False, 0)\n'
     '        If Not .AtEndOfStream Then Content = .ReadAll\n'
     '        .Close\n'
     '    End With\n'
     '    #End If\n'),
]

READER_START = "Function GetConfigFromFile("


def _function(text: str, start: str) -> tuple[int, int]:
    """Where the VBA function starting with `start` begins and ends (after its End Function line)."""
    begin = text.index(start)
    end = text.index("\nEnd Function\n", begin) + len("\nEnd Function\n")
    return begin, end


def patch(source: str) -> str:
    """xlwings' module source (LF line ends) with the Unicode-safe readers in place."""
    for old, new in PATCHES:
        if source.count(old) != 1:
            raise ValueError(f"xlwings' VBA changed; cannot patch: {old.strip().splitlines()[0]!r}")
        source = source.replace(old, new)
    if source.count(READER_START) != 1:
        raise ValueError("xlwings' VBA changed; cannot patch GetConfigFromFile")
    begin, end = _function(source, READER_START)
    original = source[begin:end]
    body = original[original.index("\n") + 1:original.rindex("End Function")]
    return source[:begin] + CONFIG_READER.format(mac_body=body) + source[end:]
