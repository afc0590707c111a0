/* config.h for libusb's Windows backends under mingw-w64 (tools/win):
 * what libusb's configure would find for x86_64-w64-mingw32. Debian's
 * source tree ships only MSVC's (msvc/config.h). */
#define DEFAULT_VISIBILITY /**/
#define ENABLE_LOGGING 1
#define PLATFORM_WINDOWS 1
#define PRINTF_FORMAT(a, b) __attribute__((__format__(__printf__, a, b)))
#define HAVE_STDINT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_STRUCT_TIMESPEC 1
#define _GNU_SOURCE 1
