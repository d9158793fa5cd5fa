#pragma once

#include <cstdint>
#include <string_view>

namespace netmeter {

// The service usually behind a server port ("which service is (usually) behind the port", the
// reference's open TCP server ports): the system's services database (/etc/services, Debian's
// netbase), read once on first use. "" when the port has no registered service for that L4 protocol
// (6 TCP, 17 UDP, 132 SCTP) or the database is missing.
std::string_view usualServiceName(uint8_t l4Protocol, uint16_t port);

}  // namespace netmeter
