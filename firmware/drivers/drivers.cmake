# drivers.cmake: the source list of firmware/drivers for both builds (host
# tests in firmware/CMakeLists.txt, Cortex-M images in
# ports/cortex-m/CMakeLists.txt). Sets CND_DRIVERS_SRC.
file(GLOB CND_DRIVERS_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
