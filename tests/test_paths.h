#pragma once

#include <filesystem>
#include <string>

namespace netmeter::test {

// ../shared/pcaps/<relative>, the reference captures (never copied into the repository).
inline std::filesystem::path sharedPcap(const std::string& relative) {
  return std::filesystem::path(NETMETER_SHARED_DIR) / "pcaps" / relative;
}

// tests/fixtures/<relative>, small captures we made ourselves.
inline std::filesystem::path fixture(const std::string& relative) {
  return std::filesystem::path(NETMETER_FIXTURES_DIR) / relative;
}

}  // namespace netmeter::test
