#!/bin/sh
# wine_candor.sh ARGS...: candor.exe under Wine, for scripts written for the
# Linux candor ($CANDOR). WINEPREFIX and WINEDEBUG come from the caller.
exec wine "${CANDOR_EXE:?set CANDOR_EXE}" "$@"
