# drivers.cmake: the sources of firmware/drivers for both builds (host
# tests in firmware/CMakeLists.txt, Cortex-M images in
# ports/cortex-m/CMakeLists.txt). Sets CND_DRIVERS_SRC: the drivers plus
# the font tables, generated into the build dir by tools/psf2c.py from
# Debian's console font (console-setup-linux, tools/deps/drivers.txt).
set(CND_FONT_PSF /usr/share/consolefonts/Lat15-Fixed16.psf.gz CACHE FILEPATH
    "PSF console font the handheld's 8x16 font is generated from")
if(NOT EXISTS ${CND_FONT_PSF})
    message(FATAL_ERROR "${CND_FONT_PSF} is missing: the display font is generated from it; "
        "run tools/setup-deps.sh (installs console-setup-linux)")
endif()
get_filename_component(_cnd_drivers_root ${CMAKE_CURRENT_LIST_DIR}/../.. ABSOLUTE)
find_program(CND_PYTHON3 python3 REQUIRED)
set(CND_FONT_C ${CMAKE_CURRENT_BINARY_DIR}/cnd_font_data.c)
add_custom_command(OUTPUT ${CND_FONT_C}
    COMMAND ${CND_PYTHON3} ${_cnd_drivers_root}/tools/psf2c.py ${CND_FONT_PSF} ${CND_FONT_C}
    DEPENDS ${_cnd_drivers_root}/tools/psf2c.py ${CND_FONT_PSF}
    COMMENT "Generating the display font from ${CND_FONT_PSF}"
    VERBATIM)
file(GLOB CND_DRIVERS_SRC CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.c)
list(APPEND CND_DRIVERS_SRC ${CND_FONT_C})
