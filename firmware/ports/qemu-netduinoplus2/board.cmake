# The QEMU board also uses semihosting (console exit, host clock, flash file).
list(APPEND CND_BOARD_EXTRA_SRC ${CND_PORTS}/cortex-m/semihost.c)
