#include "generate/services.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace netmeter {
namespace {

constexpr std::array<ServiceInfo, kServiceCount> kServices = {{
    {443, false, false, 450},  // https
    {80, false, false, 150},   // http
    {8080, false, true, 30},   // http-alt
    {22, false, true, 40},     // ssh
    {25, false, false, 20},    // smtp
    {993, false, false, 30},   // imaps
    {3306, false, true, 40},   // mysql
    {5432, false, true, 25},   // postgres
    {6379, false, true, 20},   // redis
    {3389, false, true, 15},   // rdp
    {445, false, true, 25},    // smb
    {53, true, false, 600},    // dns
    {123, true, false, 80},    // ntp
    {443, true, false, 200},   // quic
    {514, true, true, 40},     // syslog
    {161, true, true, 40},     // snmp
    {1194, true, false, 40},   // openvpn
}};

constexpr std::array<std::string_view, 24> kDomains = {
    "www.example.com",       "api.example.net",    "cdn.example.org",   "mail.example.com",
    "login.example.net",     "static.example.org", "news.example.com",  "video.example.net",
    "updates.example.org",   "images.example.com", "shop.example.net",  "docs.example.org",
    "telemetry.example.com", "ads.example.net",    "fonts.example.org", "git.example.com",
    "chat.example.net",      "maps.example.org",   "time.example.com",  "storage.example.net",
    "accounts.example.org",  "search.example.com", "music.example.net", "wiki.example.org",
};

constexpr std::array<std::string_view, 8> kPaths = {
    "/",      "/index.html",   "/api/v1/items", "/static/app.js", "/images/logo.png",
    "/login", "/search?q=net", "/favicon.ico",
};

class Writer {
 public:
  explicit Writer(std::span<uint8_t> out) : out_(out) {}
  void u8(uint8_t v) {
    if (at_ < out_.size()) out_[at_] = v;
    ++at_;
  }
  void u16(uint16_t v) {
    u8(uint8_t(v >> 8));
    u8(uint8_t(v));
  }
  void u24(uint32_t v) {
    u8(uint8_t(v >> 16));
    u16(uint16_t(v));
  }
  void text(std::string_view s) {
    for (char c : s) u8(uint8_t(c));
  }
  void fill(size_t n, uint8_t seed) {
    for (size_t i = 0; i < n; ++i) u8(uint8_t(seed + i * 37));
  }
  void patch16(size_t at, uint16_t v) {
    if (at + 1 < out_.size()) {
      out_[at] = uint8_t(v >> 8);
      out_[at + 1] = uint8_t(v);
    }
  }
  void patch24(size_t at, uint32_t v) {
    if (at < out_.size()) out_[at] = uint8_t(v >> 16);
    patch16(at + 1, uint16_t(v));
  }
  size_t size() const { return at_ < out_.size() ? at_ : out_.size(); }
  size_t position() const { return at_; }

 private:
  std::span<uint8_t> out_;
  size_t at_ = 0;
};

std::string_view domain(uint32_t name) {
  return kDomains[name % kDomains.size()];
}

void dnsName(Writer& w, std::string_view name) {
  while (!name.empty()) {
    const size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    w.u8(uint8_t(label.size()));
    w.text(label);
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  w.u8(0);
}

// A TLS 1.2-framed ClientHello carrying SNI, padded (extension 21) to `length` bytes when it fits.
size_t tlsClientHello(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  const std::string_view sni = domain(r.name);
  w.u8(0x16);
  w.u16(0x0301);
  const size_t recordLength = w.position();
  w.u16(0);
  w.u8(0x01);  // ClientHello
  const size_t helloLength = w.position();
  w.u24(0);
  w.u16(0x0303);
  w.fill(32, uint8_t(r.id));  // random
  w.u8(32);
  w.fill(32, uint8_t(r.id >> 8));  // session id
  const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8};
  w.u16(uint16_t(sizeof(suites)));
  for (uint16_t s : suites) w.u16(s);
  w.u8(1);
  w.u8(0);
  const size_t extensionsLength = w.position();
  w.u16(0);
  w.u16(0x0000);  // server_name
  w.u16(uint16_t(sni.size() + 5));
  w.u16(uint16_t(sni.size() + 3));
  w.u8(0);
  w.u16(uint16_t(sni.size()));
  w.text(sni);
  w.u16(0x002b);  // supported_versions: TLS 1.3, 1.2
  w.u16(5);
  w.u8(4);
  w.u16(0x0304);
  w.u16(0x0303);
  w.u16(0x000a);  // supported_groups
  w.u16(6);
  w.u16(4);
  w.u16(0x001d);
  w.u16(0x0017);
  if (r.payloadLength > w.position() + 4 && r.payloadLength <= kMaxPrefix) {
    const size_t pad = r.payloadLength - w.position() - 4;
    w.u16(0x0015);
    w.u16(uint16_t(pad));
    for (size_t i = 0; i < pad; ++i) w.u8(0);
  }
  const size_t end = w.position();
  w.patch16(recordLength, uint16_t(end - recordLength - 2));
  w.patch24(helloLength, uint32_t(end - helloLength - 3));
  w.patch16(extensionsLength, uint16_t(end - extensionsLength - 2));
  return w.size();
}

size_t tlsServerHello(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  w.u8(0x16);
  w.u16(0x0303);
  w.u16(2 + 32 + 1 + 32 + 2 + 1 + 2 + 6 + 4);
  w.u8(0x02);  // ServerHello
  w.u24(2 + 32 + 1 + 32 + 2 + 1 + 2 + 6);
  w.u16(0x0303);
  w.fill(32, uint8_t(r.id + 1));
  w.u8(32);
  w.fill(32, uint8_t(r.id >> 8));
  w.u16(0x1301);
  w.u8(0);
  w.u16(6);
  w.u16(0x002b);
  w.u16(2);
  w.u16(0x0304);
  w.u8(0x14);  // ChangeCipherSpec
  w.u16(0x0303);
  w.u16(1);
  w.u8(1);
  w.u8(0x17);  // then encrypted handshake, as TLS 1.3 does
  w.u16(0x0303);
  w.u16(uint16_t(r.payloadLength > 100 ? r.payloadLength - 100 : 32));
  return w.size();
}

size_t tlsApplicationData(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  w.u8(0x17);
  w.u16(0x0303);
  const uint32_t length = r.totalLength > 5 ? r.totalLength - 5 : 0;
  w.u16(uint16_t(length > 16401 ? 16401 : length));
  return w.size();
}

size_t textPrefix(std::string_view text, std::span<uint8_t> out) {
  Writer w(out);
  w.text(text);
  return w.size();
}

size_t httpMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  char buffer[kMaxPrefix];
  int n;
  if (r.fromClient) {
    n = std::snprintf(buffer, sizeof(buffer),
                      "GET %.*s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
                      "Accept: */*\r\nConnection: keep-alive\r\n\r\n",
                      int(kPaths[r.id % kPaths.size()].size()), kPaths[r.id % kPaths.size()].data(),
                      int(domain(r.name).size()), domain(r.name).data());
  } else {
    n = std::snprintf(
        buffer, sizeof(buffer),
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: %u\r\n\r\n",
        r.totalLength > 120 ? r.totalLength - 120 : 0);
  }
  return textPrefix(std::string_view(buffer, n > 0 ? size_t(n) : 0), out);
}

}  // namespace

const ServiceInfo& serviceInfo(Service service) {
  return kServices[size_t(service)];
}

size_t writeDnsMessage(bool response, uint16_t id, uint32_t name, uint32_t qtypeIndex, uint32_t answers,
                       std::span<uint8_t> out) {
  static constexpr uint16_t kQtypes[] = {1, 28, 65};
  const uint16_t qtype = kQtypes[qtypeIndex % 3];
  Writer w(out);
  w.u16(id);
  w.u16(response ? 0x8180 : 0x0100);
  w.u16(1);
  w.u16(response ? uint16_t(answers) : 0);
  w.u16(0);
  w.u16(0);
  dnsName(w, domain(name));
  w.u16(qtype);
  w.u16(1);
  if (response) {
    for (uint32_t i = 0; i < answers; ++i) {
      w.u16(0xc00c);  // pointer to the question's name
      w.u16(qtype == 28 ? 28 : 1);
      w.u16(1);
      w.u16(0);
      w.u16(uint16_t(60 + name * 7 % 3000));
      if (qtype == 28) {
        w.u16(16);
        w.u16(0x2606);
        w.u16(0x4700);
        for (int k = 0; k < 5; ++k) w.u16(uint16_t(name * 31 + k));
        w.u16(uint16_t(i + 1));
      } else {
        w.u16(4);
        w.u8(93);
        w.u8(uint8_t(184 + name % 8));
        w.u8(uint8_t(name * 13));
        w.u8(uint8_t(i + 10));
      }
    }
  }
  return w.size();
}

size_t writeApplicationPrefix(const PrefixRequest& r, std::span<uint8_t> out) {
  switch (r.service) {
    case Service::kHttps:
    case Service::kImaps:
      if (r.exchange == 0) return r.fromClient ? tlsClientHello(r, out) : tlsServerHello(r, out);
      return tlsApplicationData(r, out);
    case Service::kHttp:
    case Service::kHttpAlt:
      return httpMessage(r, out);
    case Service::kSsh:
      if (r.exchange == 0) {
        return textPrefix(
            r.fromClient ? "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n" : "SSH-2.0-OpenSSH_8.9p1\r\n", out);
      }
      return 0;
    case Service::kSmtp:
      if (r.exchange == 0)
        return textPrefix(r.fromClient ? "EHLO client.example.org\r\n" : "250-mail.example.com\r\n", out);
      return textPrefix(r.fromClient ? "DATA\r\n" : "250 2.0.0 Ok: queued\r\n", out);
    case Service::kRedis:
      return textPrefix(r.fromClient ? "*2\r\n$3\r\nGET\r\n$8\r\nsession:\r\n" : "$64\r\n", out);
    case Service::kNtp: {
      Writer w(out);
      w.u8(r.fromClient ? 0x23 : 0x24);  // v4, client / server mode
      w.u8(r.fromClient ? 0 : 2);
      w.u8(6);
      w.u8(0xe9);
      return w.size();
    }
    case Service::kQuic: {
      Writer w(out);
      if (r.exchange == 0) {
        w.u8(r.fromClient ? 0xc3 : 0xc1);  // long header, Initial
        w.u16(0x0000);
        w.u16(0x0001);  // version 1
        w.u8(8);
        w.fill(8, uint8_t(r.id));
      } else {
        w.u8(0x43);  // short header
        w.fill(8, uint8_t(r.id));
      }
      return w.size();
    }
    case Service::kSyslog:
      return textPrefix("<134>Jan 15 09:00:00 host app[1234]: connection accepted from client\n", out);
    default:
      return 0;
  }
}

}  // namespace netmeter
