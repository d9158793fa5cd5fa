#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace netmeter::test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put24(Bytes& b, uint32_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
inline void append(Bytes& b, const Bytes& more) {
  b.insert(b.end(), more.begin(), more.end());
}

// Builds ClientHello / ServerHello bodies, handshake messages and records for tests.
struct ClientHelloSpec {
  uint16_t version = 0x0303;
  std::vector<uint16_t> ciphers;
  // Extensions in wire order: type and raw data. Helpers below build the common ones.
  std::vector<std::pair<uint16_t, Bytes>> extensions;
  bool withExtensionsBlock = true;

  ClientHelloSpec& sni(const std::string& name) {
    Bytes d;
    put16(d, static_cast<uint16_t>(name.size() + 3));
    d.push_back(0);
    put16(d, static_cast<uint16_t>(name.size()));
    d.insert(d.end(), name.begin(), name.end());
    extensions.emplace_back(0x0000, d);
    return *this;
  }
  ClientHelloSpec& alpn(const std::vector<std::string>& names) {
    Bytes list;
    for (const auto& n : names) {
      list.push_back(static_cast<uint8_t>(n.size()));
      list.insert(list.end(), n.begin(), n.end());
    }
    Bytes d;
    put16(d, static_cast<uint16_t>(list.size()));
    append(d, list);
    extensions.emplace_back(0x0010, d);
    return *this;
  }
  ClientHelloSpec& u16List(uint16_t type, const std::vector<uint16_t>& values, bool oneByteLength = false) {
    Bytes d;
    if (oneByteLength)
      d.push_back(static_cast<uint8_t>(values.size() * 2));
    else
      put16(d, static_cast<uint16_t>(values.size() * 2));
    for (uint16_t v : values) put16(d, v);
    extensions.emplace_back(type, d);
    return *this;
  }
  ClientHelloSpec& groups(const std::vector<uint16_t>& v) { return u16List(0x000a, v); }
  ClientHelloSpec& signatures(const std::vector<uint16_t>& v) { return u16List(0x000d, v); }
  ClientHelloSpec& versions(const std::vector<uint16_t>& v) { return u16List(0x002b, v, true); }
  ClientHelloSpec& pointFormats(const std::vector<uint8_t>& v) {
    Bytes d{static_cast<uint8_t>(v.size())};
    d.insert(d.end(), v.begin(), v.end());
    extensions.emplace_back(0x000b, d);
    return *this;
  }
  ClientHelloSpec& empty(uint16_t type) {
    extensions.emplace_back(type, Bytes{});
    return *this;
  }

  Bytes body() const {
    Bytes b;
    put16(b, version);
    b.insert(b.end(), 32, 0x11);  // random
    b.push_back(32);              // session id
    b.insert(b.end(), 32, 0x22);
    put16(b, static_cast<uint16_t>(ciphers.size() * 2));
    for (uint16_t c : ciphers) put16(b, c);
    b.push_back(1);
    b.push_back(0);  // null compression
    if (!withExtensionsBlock) return b;
    Bytes exts;
    for (const auto& [type, data] : extensions) {
      put16(exts, type);
      put16(exts, static_cast<uint16_t>(data.size()));
      append(exts, data);
    }
    put16(b, static_cast<uint16_t>(exts.size()));
    append(b, exts);
    return b;
  }
};

inline Bytes serverHelloBody(uint16_t cipher, uint16_t selectedVersion = 0, bool helloRetry = false) {
  Bytes b;
  put16(b, 0x0303);
  if (helloRetry) {
    append(b,
           {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
            0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c});
  } else {
    b.insert(b.end(), 32, 0x33);
  }
  b.push_back(0);  // empty session id
  put16(b, cipher);
  b.push_back(0);
  Bytes exts;
  if (selectedVersion != 0) {
    put16(exts, 0x002b);
    put16(exts, 2);
    put16(exts, selectedVersion);
  }
  put16(b, static_cast<uint16_t>(exts.size()));
  append(b, exts);
  return b;
}

inline Bytes handshakeMessage(uint8_t type, const Bytes& body) {
  Bytes m{type};
  put24(m, static_cast<uint32_t>(body.size()));
  append(m, body);
  return m;
}

inline Bytes record(uint8_t type, const Bytes& fragment, uint16_t version = 0x0303) {
  Bytes r{type};
  put16(r, version);
  put16(r, static_cast<uint16_t>(fragment.size()));
  append(r, fragment);
  return r;
}

}  // namespace netmeter::test
