# mbedcrypto_fw.cmake: the device's Mbed TLS as a static library, from
# Debian's source package (tools/fetch-mbedtls.sh) with the device config
# (mbedtls_config.h in this folder). Included by the Cortex-M build
# (firmware/ports/cortex-m/CMakeLists.txt) and by the host test family
# tests/crypto, which builds the same sources and config on the host to
# check them and measure their heap.
#
#   cnd_fetch_mbedtls(CACHE_DIR OUT_VAR)   unpacked source dir, or FATAL_ERROR
#   cnd_add_mbedcrypto_fw(TARGET SRC_DIR)  the static library TARGET
set(CND_CRYPTO_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(CND_CRYPTO_ROOT ${CMAKE_CURRENT_LIST_DIR}/../.. ABSOLUTE)

# Exactly the library/*.c files the config needs; --gc-sections drops the
# functions nobody calls (ASN.1, ECDSA signing, PBES2).
set(CND_MBEDTLS_FW_MODULES
    bignum constant_time ecp ecp_curves ecdh ecdsa asn1parse asn1write
    chacha20 poly1305 chachapoly sha256 md hkdf pkcs5
    platform platform_util memory_buffer_alloc)

function(cnd_fetch_mbedtls cache out)
    execute_process(COMMAND sh ${CND_CRYPTO_ROOT}/tools/fetch-mbedtls.sh ${cache}
        OUTPUT_VARIABLE dir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0 OR NOT EXISTS "${dir}/library/ecp.c")
        message(FATAL_ERROR "tools/fetch-mbedtls.sh could not provide Debian's Mbed TLS source (see above)")
    endif()
    set(${out} ${dir} PARENT_SCOPE)
endfunction()

function(cnd_add_mbedcrypto_fw target dir)
    set(src "")
    foreach(m ${CND_MBEDTLS_FW_MODULES})
        list(APPEND src ${dir}/library/${m}.c)
    endforeach()
    # Upstream code: no warnings of ours (-w) on it; our arena glue gets them.
    set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS -w)
    add_library(${target} STATIC ${src} ${CND_CRYPTO_DIR}/mbedtls_arena.c)
    target_include_directories(${target} SYSTEM PUBLIC ${dir}/include)
    target_include_directories(${target} PUBLIC ${CND_CRYPTO_DIR})
    target_compile_definitions(${target} PUBLIC "MBEDTLS_CONFIG_FILE=\"mbedtls_config.h\"")
endfunction()
