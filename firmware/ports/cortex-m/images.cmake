# images.cmake: builds the Cortex-M firmware images (this folder's
# CMakeLists.txt, cross-compiled) as an ExternalProject of the main build,
# when Debian's arm-none-eabi-gcc is installed (tools/deps/qemu.txt).
# Sets CND_FIRMWARE_IMAGE_DIR for tests/qemu; empty when skipped.
find_program(CND_ARM_GCC arm-none-eabi-gcc)
set(CND_FIRMWARE_IMAGE_DIR "" CACHE INTERNAL "")
if(CND_ARM_GCC)
    include(ExternalProject)
    set(CND_FIRMWARE_IMAGE_DIR ${CMAKE_BINARY_DIR}/firmware/arm CACHE INTERNAL "")
    ExternalProject_Add(cnd_firmware_images
        SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
        BINARY_DIR ${CND_FIRMWARE_IMAGE_DIR}
        CMAKE_ARGS -DCMAKE_TOOLCHAIN_FILE=${CMAKE_CURRENT_LIST_DIR}/toolchain.cmake
                   -DCND_ZLIB_CACHE=${CMAKE_BINARY_DIR}/zlib-src
                   -DCND_MBEDTLS_CACHE=${CMAKE_BINARY_DIR}/mbedtls-src
        INSTALL_COMMAND ""
        BUILD_ALWAYS 1)
else()
    message(STATUS "arm-none-eabi-gcc not found: no Cortex-M images; tools/setup-deps.sh installs it")
endif()
