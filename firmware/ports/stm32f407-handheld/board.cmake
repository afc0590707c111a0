# The handheld links the STM32F4 chip layer shared with other F4 boards
# (clocks, GPIO, SPI, watchdog, TRNG, low-power idle, USB OTG FS:
# firmware/ports/stm32f4/, library cnd_fw_stm32f4, which also gives its
# headers). The chip-agnostic drivers (firmware/drivers) come with every
# image through cnd_fw_drivers.
list(APPEND CND_BOARD_LIBS cnd_fw_stm32f4)
