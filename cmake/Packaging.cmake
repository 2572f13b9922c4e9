# Installing like any desktop tool (issue 13, item 18): the two programs in bin/,
# the .desktop entry in share/applications/, the icon in the hicolor theme, and a
# Debian package built by `cpack -G DEB` that declares what it needs.
include(GNUInstallDirs)

if(TARGET hbexporter-cli)
  install(TARGETS hbexporter-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(TARGET hbexporter)
  install(TARGETS hbexporter RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/resources/hbexporter.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/hbexporter.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/hbexporter)

set(CPACK_PACKAGE_NAME "hbexporter")
set(CPACK_PACKAGE_VENDOR "HB Exporter")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Stream files into Redis, with a desktop window and a command line")
set(CPACK_PACKAGE_CONTACT "HB Exporter maintainers <maintainers@hbexporter.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # hbexporter_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_PACKAGE_DESCRIPTION
    "Exports files, standard input and http(s) URLs into Redis in chunks, with a Qt desktop window (hbexporter) and a command line (hbexporter-cli) to start, watch, cancel and fetch exports.")
# The shared libraries the programs link (Qt 6, QtKeychain, hiredis, libssl3's
# libcrypto, the C++ runtime) with their versions, found by dpkg-shlibdeps; the Qt platform
# plugins besides (loaded at run time, invisible to it). Without dpkg-shlibdeps the
# list is written out.
find_program(HB_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(HB_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libqt6keychain1")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libqt6core6 (>= 6.4), libqt6gui6 (>= 6.4), libqt6widgets6 (>= 6.4), libqt6network6 (>= 6.4), qt6-qpa-plugins, libqt6keychain1, libhiredis0.14, libssl3, libstdc++6 (>= 12)")
endif()
# Without a Redis URL the tools start a private redis-server (CONTRACT §7); with one
# they need none, and redis-tools is handy beside them.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "redis-server")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-tools")
set(CPACK_GENERATOR "DEB")

include(CPack)
