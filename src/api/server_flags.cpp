#include "api/server_flags.h"

#include <charconv>

namespace netmeter::api {

namespace {

template <typename T>
bool parseNumber(std::string_view text, T& out, T min, T max) {
  T v{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max)
    return false;
  out = v;
  return true;
}

}  // namespace

bool parseListenAddress(std::string_view text, std::string& host, uint16_t& port) {
  std::string_view portText = text;
  host = "127.0.0.1";
  if (!text.empty() && text.front() == '[') {
    auto close = text.find("]:");
    if (close == std::string_view::npos) return false;
    host = std::string(text.substr(1, close - 1));
    portText = text.substr(close + 2);
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) return false;  // a bare IPv6 address needs brackets
    host = std::string(text.substr(0, colon));
    portText = text.substr(colon + 1);
  }
  return !host.empty() && parseNumber<uint16_t>(portText, port, 0, 65535);
}

bool applyServerFlag(std::string_view flag, std::string_view value, ServerOptions& options,
                     std::string& error) {
  auto bad = [&](std::string_view what) {
    error = "bad value '" + std::string(value) + "' for " + std::string(flag) + ": " + std::string(what);
    return true;
  };
  if (flag == "--listen") {
    if (!parseListenAddress(value, options.bindAddress, options.port)) return bad("expected ADDR:PORT");
  } else if (flag == "--tls") {
    if (value == "on") {
      options.tls = TlsMode::On;
    } else if (value == "off") {
      options.tls = TlsMode::Off;
    } else if (value == "auto") {
      options.tls = TlsMode::Auto;
    } else {
      return bad("expected on, off or auto");
    }
  } else if (flag == "--cert") {
    options.certFile = std::string(value);
  } else if (flag == "--key") {
    options.keyFile = std::string(value);
  } else if (flag == "--state") {
    options.stateDir = std::string(value);
  } else if (flag == "--io-threads") {
    if (!parseNumber<unsigned>(value, options.ioThreads, 1, 64)) return bad("expected 1 to 64");
  } else if (flag == "--handler-threads") {
    if (!parseNumber<unsigned>(value, options.handlerThreads, 1, 256)) return bad("expected 1 to 256");
  } else if (flag == "--max-connections") {
    if (!parseNumber<size_t>(value, options.maxConnections, 1, 1'000'000))
      return bad("expected 1 to 1000000");
  } else {
    return false;
  }
  return true;
}

}  // namespace netmeter::api
