# candor.exe needs no DLL beside it: every DLL in its import table is one
# Windows itself ships (issue 16). Prints the list it checked.
set -u
EXE=$1
OBJDUMP=x86_64-w64-mingw32-objdump
command -v $OBJDUMP >/dev/null 2>&1 || { echo "FAIL: $OBJDUMP missing (binutils-mingw-w64-x86-64)" >&2; exit 1; }
[ -f "$EXE" ] || { echo "FAIL: no $EXE" >&2; exit 1; }
dlls=$($OBJDUMP -p "$EXE" | sed -n 's/^[[:space:]]*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
[ -n "$dlls" ] || { echo "FAIL: no import table in $EXE" >&2; exit 1; }
# Windows' own: the kernel, the C runtime every Windows has, security,
# sockets, CNG, device setup, WinUSB, the console.
system="kernel32.dll advapi32.dll msvcrt.dll ws2_32.dll bcrypt.dll setupapi.dll winusb.dll user32.dll ole32.dll shell32.dll ntdll.dll cfgmgr32.dll"
bad=""
for d in $dlls; do
    case " $system " in *" $d "*) ;; *) bad="$bad $d" ;; esac
done
echo "candor.exe imports: $(echo $dlls)"
[ -z "$bad" ] || { echo "FAIL: candor.exe needs DLLs Windows does not ship:$bad" >&2; exit 1; }
echo "ok: only system DLLs"
