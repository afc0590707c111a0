# package.cmake: the Debian package of the office tool (issue 16), made by
# CPack:  cpack -G DEB --config <build>/CPackConfig.cmake  (make dist does
# it; tests/package installs it in a throwaway root and runs lintian).
#
# It holds candor, its man page, the udev rule in /usr/lib/udev/rules.d
# (where udev reads packaged rules) and the Debian documentation files;
# not candor-sim or the test tools. Dependencies come from dpkg-shlibdeps:
# Debian's libusb-1.0-0, zlib1g, libcjson1 and libmbedcrypto7, at least at
# the versions the build linked.
file(STRINGS ${PROJECT_SOURCE_DIR}/host/cli/main.c CND_VERSION_LINE
     REGEX "^#define CND_TOOL_VERSION \"[0-9.]+\"")
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" CND_VERSION "${CND_VERSION_LINE}")

# Package-only files, installed only by CPack (component "deb").
set(CND_PKG_STAGE ${PROJECT_BINARY_DIR}/package)
add_custom_command(
    OUTPUT ${CND_PKG_STAGE}/candor.1.gz ${CND_PKG_STAGE}/changelog.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CND_PKG_STAGE}
    COMMAND sh -c "gzip -9n < '${PROJECT_SOURCE_DIR}/host/candor.1' > '${CND_PKG_STAGE}/candor.1.gz'"
    COMMAND sh -c "gzip -9n < '${PROJECT_SOURCE_DIR}/tools/package/changelog' > '${CND_PKG_STAGE}/changelog.gz'"
    DEPENDS ${PROJECT_SOURCE_DIR}/host/candor.1 ${PROJECT_SOURCE_DIR}/tools/package/changelog
    VERBATIM)
add_custom_target(cnd_package_files ALL DEPENDS ${CND_PKG_STAGE}/candor.1.gz ${CND_PKG_STAGE}/changelog.gz)
install(TARGETS candor RUNTIME DESTINATION bin COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${CND_PKG_STAGE}/candor.1.gz DESTINATION share/man/man1 COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_BINARY_DIR}/host/70-candor.rules DESTINATION lib/udev/rules.d
        COMPONENT deb EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/tools/package/copyright ${CND_PKG_STAGE}/changelog.gz
        DESTINATION share/doc/candor COMPONENT deb EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME candor)
set(CPACK_PACKAGE_VERSION ${CND_VERSION})
set(CPACK_PACKAGE_CONTACT "Candor project <candor@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "office tool for Candor survey handhelds")
set(CPACK_COMPONENT_DEB_DESCRIPTION "candor compiles and signs surveys for Candor handhelds (offline devices for
anonymous surveys of domestic workers), installs them over USB, syncs the
sealed responses into a store exactly once, and exports them for analysis.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Only the "deb" component: the plain install rules (candor-sim, the rule in
# /etc for a /usr/local install) stay out of the package.
set(CPACK_COMPONENTS_ALL deb)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_DEB_PACKAGE_NAME candor)
set(CPACK_DEBIAN_DEB_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/candor")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/deb)
include(CPack)
