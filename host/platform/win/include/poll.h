/* poll.h for candor.exe: everything it names is in posix_win.h (Winsock). */
#include "posix_win.h"
