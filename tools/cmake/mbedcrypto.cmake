# mbedcrypto.cmake: finds Debian's Mbed TLS crypto library for the host
# build and exposes it as the interface target `cnd_mbedcrypto`.
#
# Mbed TLS (libmbedtls-dev, 2.28 on bookworm; tools/deps/crypto.txt) seals
# responses, signs packs and protects key files. bookworm's 2.28 ships no
# pkg-config file, hence find_path/find_library. Only libmbedcrypto is
# linked: Candor uses no TLS and no X.509.
# The device builds the SAME version from Debian's source package
# (tools/fetch-mbedtls.sh, firmware/crypto/mbedtls_config.h).
if(TARGET cnd_mbedcrypto)
    return()
endif()
find_path(CND_MBEDTLS_INCLUDE_DIR mbedtls/chachapoly.h)
find_library(CND_MBEDCRYPTO_LIBRARY mbedcrypto)
if(NOT CND_MBEDTLS_INCLUDE_DIR OR NOT CND_MBEDCRYPTO_LIBRARY)
    message(FATAL_ERROR "Mbed TLS not found (mbedtls/chachapoly.h and libmbedcrypto, "
        "Debian package libmbedtls-dev); run tools/setup-deps.sh")
endif()
file(STRINGS ${CND_MBEDTLS_INCLUDE_DIR}/mbedtls/version.h CND_MBEDTLS_VERSION_LINE
     REGEX "^#define MBEDTLS_VERSION_STRING +\"[0-9.]+\"")
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" CND_MBEDTLS_VERSION "${CND_MBEDTLS_VERSION_LINE}")
if(NOT CND_MBEDTLS_VERSION MATCHES "^2\\.28\\.")
    message(FATAL_ERROR "Mbed TLS ${CND_MBEDTLS_VERSION} found in ${CND_MBEDTLS_INCLUDE_DIR}; "
        "Candor is written against the 2.28 LTS API (Debian bookworm's libmbedtls-dev); "
        "run tools/setup-deps.sh")
endif()
message(STATUS "Mbed TLS ${CND_MBEDTLS_VERSION}: ${CND_MBEDCRYPTO_LIBRARY}")
add_library(cnd_mbedcrypto INTERFACE)
target_include_directories(cnd_mbedcrypto SYSTEM INTERFACE ${CND_MBEDTLS_INCLUDE_DIR})
target_link_libraries(cnd_mbedcrypto INTERFACE ${CND_MBEDCRYPTO_LIBRARY})
