#pragma once

#include <string>
#include <string_view>

#include "api/server.h"

namespace netmeter::api {

// Command-line flags of `netmeter serve` that configure the server, for the serve command to use:
//   --listen ADDR:PORT | [V6ADDR]:PORT | PORT   --tls on|off|auto   --cert FILE   --key FILE
//   --state DIR   --io-threads N   --handler-threads N   --max-connections N
// Returns true when `flag` is one of them (and applied, or `error` set when its value is bad).
bool applyServerFlag(std::string_view flag, std::string_view value, ServerOptions& options,
                     std::string& error);

// "127.0.0.1:8080", "[::1]:8443", "0.0.0.0:443", "8080" (loopback).
bool parseListenAddress(std::string_view text, std::string& host, uint16_t& port);

}  // namespace netmeter::api
