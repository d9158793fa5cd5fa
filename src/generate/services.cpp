#include "generate/services.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "modules/quic/quic_initial_keys.h"
#include "modules/quic/quic_packet_protection.h"
#include "modules/quic/quic_version.h"

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
  void u32(uint32_t v) {
    u16(uint16_t(v >> 16));
    u16(uint16_t(v));
  }
  // Little-endian fields (MySQL, SMB2, RDP negotiation).
  void le16(uint16_t v) {
    u8(uint8_t(v));
    u8(uint8_t(v >> 8));
  }
  void le32(uint32_t v) {
    le16(uint16_t(v));
    le16(uint16_t(v >> 16));
  }
  void bytes(std::span<const uint8_t> b) {
    for (uint8_t v : b) u8(v);
  }
  void zeros(size_t n) {
    for (size_t i = 0; i < n; ++i) u8(0);
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
  void patch32(size_t at, uint32_t v) {
    patch16(at, uint16_t(v >> 16));
    patch16(at + 2, uint16_t(v));
  }
  void patchLe24(size_t at, uint32_t v) {
    for (size_t i = 0; i < 3; ++i)
      if (at + i < out_.size()) out_[at + i] = uint8_t(v >> (8 * i));
  }
  void patch8(size_t at, uint8_t v) {
    if (at < out_.size()) out_[at] = v;
  }
  std::span<uint8_t> written() { return out_.first(size()); }
  size_t size() const { return at_ < out_.size() ? at_ : out_.size(); }
  size_t position() const { return at_; }

 private:
  std::span<uint8_t> out_;
  size_t at_ = 0;
};

std::string_view domain(uint32_t name) {
  return kDomains[name % kDomains.size()];
}

// Random-looking bytes from a seed (MurmurHash3's finaliser), for identifiers that real endpoints
// draw at random: connection and session ids.
uint32_t mix(uint32_t v) {
  v ^= v >> 16;
  v *= 0x85ebca6b;
  v ^= v >> 13;
  v *= 0xc2b2ae35;
  return v ^ (v >> 16);
}

void randomBytes(Writer& w, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; i += 4) {
    const uint32_t v = mix(seed * 4 + uint32_t(i / 4) + 1);
    for (size_t k = i; k < n && k < i + 4; ++k) w.u8(uint8_t(v >> (8 * (k - i))));
  }
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

// ---- MySQL ----------------------------------------------------------------------------------------

// Scramble (salt) bytes: printable and never NUL, as servers make them (the salt is NUL-terminated).
void mysqlScramble(Writer& w, size_t n, uint32_t seed) {
  for (size_t i = 0; i < n; ++i) w.u8(uint8_t(0x21 + (seed * 2654435761u + uint32_t(i) * 40503u) % 94));
}

// Every MySQL packet starts with a 3-byte little-endian length and a sequence number.
size_t mysqlPacketStart(Writer& w, uint8_t sequence) {
  const size_t at = w.position();
  w.zeros(3);
  w.u8(sequence);
  return at;
}

void mysqlPacketEnd(Writer& w, size_t start) {
  w.patchLe24(start, uint32_t(w.position() - start - 4));
}

// Protocol-10 handshake of a MySQL 8.0 server. nDPI checks the length, sequence 0, the "8." version
// and the authentication plugin name ending the packet; nDPI 4.2 only knows mysql_native_password
// there (not 8.0's default caching_sha2_password), which many 8.0 servers are configured with.
size_t mysqlGreeting(uint16_t id, std::span<uint8_t> out) {
  Writer w(out);
  const size_t start = mysqlPacketStart(w, 0);
  w.u8(0x0a);
  w.text("8.0.36");
  w.u8(0);
  w.le32(1000u + id);  // connection id
  mysqlScramble(w, 8, id);
  w.u8(0);
  w.le16(0xffff);  // capabilities, low half
  w.u8(0xff);      // utf8mb4_0900_ai_ci
  w.le16(0x0002);  // SERVER_STATUS_AUTOCOMMIT
  w.le16(0xdfff);  // capabilities, high half (CLIENT_PLUGIN_AUTH, ...)
  w.u8(21);        // scramble length, both parts and the NUL
  w.zeros(10);
  mysqlScramble(w, 12, id + 7u);
  w.u8(0);
  w.text("mysql_native_password");
  w.u8(0);
  mysqlPacketEnd(w, start);
  return w.size();
}

size_t mysqlMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  if (r.exchange == 0 && r.fromClient) {  // HandshakeResponse41: the login
    const size_t start = mysqlPacketStart(w, 1);
    w.le32(0x012ba209);  // PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH(_LENENC), CONNECT_WITH_DB, ...
    w.le32(16 << 20);    // max packet
    w.u8(0xff);
    w.zeros(23);
    w.text("app");
    w.u8(0);
    w.u8(20);  // SHA-1 scramble
    mysqlScramble(w, 20, r.id * 3u + 1);
    w.text("appdb");
    w.u8(0);
    w.text("mysql_native_password");
    w.u8(0);
    mysqlPacketEnd(w, start);
  } else if (r.exchange == 0) {  // OK: logged in
    const uint8_t ok[] = {0x07, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00};
    w.bytes(ok);
  } else if (r.fromClient) {  // COM_QUERY spanning the whole request
    w.zeros(3);
    w.patchLe24(0, std::min<uint32_t>(r.totalLength > 4 ? r.totalLength - 4 : 0, 0xffffff));
    w.u8(0);
    w.u8(0x03);
    w.text("SELECT id, name, updated_at FROM items WHERE owner = ");
  } else {  // a result set: column count, then the first column definition
    const uint8_t count[] = {0x01, 0x00, 0x00, 0x01, 0x03};
    w.bytes(count);
    const size_t start = mysqlPacketStart(w, 2);
    for (std::string_view s : {"def", "appdb", "items", "items", "id", "id"}) {
      w.u8(uint8_t(s.size()));
      w.text(s);
    }
    const uint8_t column[] = {0x0c, 0x3f, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x03, 0x03, 0x42, 0x00, 0x00, 0x00};
    w.bytes(column);
    mysqlPacketEnd(w, start);
  }
  return w.size();
}

// ---- PostgreSQL -----------------------------------------------------------------------------------

void cString(Writer& w, std::string_view s) {
  w.text(s);
  w.u8(0);
}

// A backend/frontend message: type byte, then an int32 length that counts itself but not the type.
size_t pgMessageStart(Writer& w, char type) {
  w.u8(uint8_t(type));
  const size_t at = w.position();
  w.u32(0);
  return at;
}

void pgMessageEnd(Writer& w, size_t lengthAt) {
  w.patch32(lengthAt, uint32_t(w.position() - lengthAt));
}

size_t pgStartup(std::span<uint8_t> out) {
  Writer w(out);
  w.u32(0);
  w.u32(196608);  // protocol 3.0
  for (std::string_view s :
       {"user", "app", "database", "appdb", "application_name", "psql", "client_encoding", "UTF8"})
    cString(w, s);
  w.u8(0);
  w.patch32(0, uint32_t(w.position()));
  return w.size();
}

// AuthenticationOk, the server's parameters, the cancellation key and ReadyForQuery.
size_t pgLoginDone(uint16_t id, std::span<uint8_t> out) {
  Writer w(out);
  size_t at = pgMessageStart(w, 'R');
  w.u32(0);
  pgMessageEnd(w, at);
  static constexpr std::string_view kParameters[][2] = {
      {"application_name", "psql"}, {"client_encoding", "UTF8"},
      {"DateStyle", "ISO, MDY"},    {"integer_datetimes", "on"},
      {"server_encoding", "UTF8"},  {"server_version", "15.5 (Debian 15.5-0+deb12u1)"},
      {"TimeZone", "Etc/UTC"},
  };
  for (const auto& p : kParameters) {
    at = pgMessageStart(w, 'S');
    cString(w, p[0]);
    cString(w, p[1]);
    pgMessageEnd(w, at);
  }
  at = pgMessageStart(w, 'K');
  w.u32(20000u + id);
  w.u32(id * 2654435761u);
  pgMessageEnd(w, at);
  at = pgMessageStart(w, 'Z');
  w.u8('I');
  pgMessageEnd(w, at);
  return w.size();
}

size_t postgresMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  if (r.exchange == 0 && r.fromClient) return pgStartup(out);
  if (r.exchange == 1 && !r.fromClient) return pgLoginDone(r.id, out);
  Writer w(out);
  if (r.exchange == 0) {  // AuthenticationMD5Password with its salt
    const size_t at = pgMessageStart(w, 'R');
    w.u32(5);
    w.u32(r.id * 40503u + 17);
    pgMessageEnd(w, at);
  } else if (r.exchange == 1) {  // PasswordMessage: "md5" and 32 hex digits
    const size_t at = pgMessageStart(w, 'p');
    w.text("md5");
    for (uint32_t i = 0; i < 32; ++i) w.u8(uint8_t("0123456789abcdef"[(r.id * 7u + i * 13u) % 16]));
    w.u8(0);
    pgMessageEnd(w, at);
  } else if (r.fromClient) {  // a simple Query as long as the request
    w.u8('Q');
    w.u32(r.totalLength > 1 ? r.totalLength - 1 : 0);
    w.text("SELECT id, name, updated_at FROM items WHERE owner = ");
  } else {  // RowDescription of the result
    const size_t at = pgMessageStart(w, 'T');
    w.u16(1);
    cString(w, "id");
    w.u32(16384);  // table oid
    w.u16(1);
    w.u32(23);  // int4
    w.u16(4);
    w.u32(0xffffffff);
    w.u16(0);
    pgMessageEnd(w, at);
  }
  return w.size();
}

// ---- Redis ----------------------------------------------------------------------------------------

size_t decimalDigits(uint32_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// RESP commands and replies. nDPI wants a client message starting with '*' (an array) answered by
// one starting with '+' or ':', so the connection opens with a SET (reply +OK) whose value fills the
// request; later exchanges GET values back as bulk strings.
size_t redisMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  char buffer[96];
  int n;
  const unsigned key = r.name % 100000;
  if (r.exchange == 0 && !r.fromClient) {
    n = std::snprintf(buffer, sizeof(buffer), "+OK\r\n");
  } else if (r.exchange == 0) {
    // "*3\r\n$3\r\nSET\r\n$13\r\nsession:NNNNN\r\n$<value length>\r\n", value, "\r\n"
    constexpr uint32_t kFixed = 4 + 9 + 5 + 15 + 3 + 2;
    uint32_t value = 0;
    for (uint32_t digits = 1; digits <= 5; ++digits) {
      if (r.totalLength < kFixed + digits) break;
      const uint32_t candidate = r.totalLength - kFixed - digits;
      if (decimalDigits(candidate) == digits) value = candidate;
    }
    n = std::snprintf(buffer, sizeof(buffer), "*3\r\n$3\r\nSET\r\n$13\r\nsession:%05u\r\n$%u\r\n", key,
                      value);
  } else if (r.fromClient) {
    n = std::snprintf(buffer, sizeof(buffer), "*2\r\n$3\r\nGET\r\n$13\r\nsession:%05u\r\n", key);
  } else {
    n = std::snprintf(buffer, sizeof(buffer), "$%u\r\n", r.totalLength > 12 ? r.totalLength - 12 : 0);
  }
  return textPrefix(std::string_view(buffer, n > 0 ? size_t(n) : 0), out);
}

// ---- SMTP -----------------------------------------------------------------------------------------

// nDPI's SMTP dissector only reads packets that end with CRLF and wants three distinct commands or
// replies (220, EHLO, 250), so the greeting and the EHLO exchange are whole messages.
size_t smtpMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  if (r.exchange == 0) {
    return textPrefix(r.fromClient ? "EHLO client.example.org\r\n"
                                   : "250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                                     "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                      out);
  }
  // Pipelined envelope and message (the filler stands for the body) and the replies to them.
  return textPrefix(r.fromClient ? "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n"
                                 : "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
                    out);
}

// ---- RDP ------------------------------------------------------------------------------------------

// TPKT + X.224 Connection Request with the mstsc cookie and an RDP negotiation request (TLS, CredSSP),
// or the server's Connection Confirm choosing CredSSP. TLS follows.
size_t rdpConnection(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  w.u8(3);
  w.u8(0);
  w.u16(0);  // TPKT length, patched
  const size_t li = w.position();
  w.u8(0);
  w.u8(r.fromClient ? 0xe0 : 0xd0);  // CR / CC
  w.u16(0);                          // destination reference
  w.u16(r.fromClient ? 0 : uint16_t(0x1234 + r.id % 0x1000));
  w.u8(0);  // class 0
  if (r.fromClient) {
    char cookie[40];
    const int n = std::snprintf(cookie, sizeof(cookie), "Cookie: mstshash=user%u\r\n", r.name % 1000);
    w.text(std::string_view(cookie, n > 0 ? size_t(n) : 0));
  }
  w.u8(r.fromClient ? 0x01 : 0x02);  // RDP_NEG_REQ / RDP_NEG_RSP
  w.u8(r.fromClient ? 0x00 : 0x1f);  // flags
  w.le16(8);
  w.le32(r.fromClient ? 0x0b : 0x02);  // requested: SSL | HYBRID | HYBRID_EX; selected: HYBRID
  w.patch16(2, uint16_t(w.position()));
  w.patch8(li, uint8_t(w.position() - li - 1));
  return w.size();
}

size_t rdpMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  return r.exchange == 0 ? rdpConnection(r, out) : tlsApplicationData(r, out);
}

// ---- SMB2 -----------------------------------------------------------------------------------------

// NetBIOS session message header and the 64-byte SMB2 header.
void smb2Header(Writer& w, uint16_t command, bool response, uint32_t messageId, uint32_t netbiosLength) {
  w.u8(0);
  w.u24(netbiosLength);
  const uint8_t magic[] = {0xfe, 'S', 'M', 'B'};
  w.bytes(magic);
  w.le16(64);
  w.le16(1);  // credit charge
  w.le32(0);  // status
  w.le16(command);
  w.le16(response ? 32 : 31);  // credits
  w.le32(response ? 1 : 0);    // flags: server to redirector
  w.le32(0);                   // next command
  w.le32(messageId);
  w.le32(0);
  w.le32(0xfeff);                                           // process id
  w.le32(command >= 3 ? 1 : 0);                             // tree id once connected
  w.le32(command >= 1 ? 0x00400000u + messageId / 16 : 0);  // session id
  w.le32(0);
  w.zeros(16);  // signature
}

size_t smbNegotiate(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  smb2Header(w, 0, !r.fromClient, 0, 0);
  if (r.fromClient) {
    w.le16(36);
    w.le16(4);  // dialects
    w.le16(1);  // signing enabled
    w.le16(0);
    w.le32(0x7f);                          // capabilities
    randomBytes(w, 16, 0x100000u + r.id);  // client GUID
    w.le32(0);
    w.le16(0);
    w.le16(0);
    for (uint16_t dialect : {0x0202, 0x0210, 0x0300, 0x0302}) w.le16(dialect);
  } else {
    // SPNEGO negTokenInit offering NTLMSSP.
    static constexpr uint8_t kSpnego[] = {0x60, 0x1c, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
                                          0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a,
                                          0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
    w.le16(65);
    w.le16(1);       // signing enabled
    w.le16(0x0302);  // SMB 3.0.2
    w.le16(0);
    randomBytes(w, 16, 0x140000u + r.id);  // server GUID
    w.le32(0x2f);                          // capabilities
    w.le32(8 << 20);                       // max transact, read, write
    w.le32(8 << 20);
    w.le32(8 << 20);
    w.le32(0x5c0a3b00);  // system time (FILETIME, January 2024)
    w.le32(0x01da4790);
    w.le32(0);
    w.le32(0);
    w.le16(64 + 64);  // security buffer offset
    w.le16(uint16_t(sizeof(kSpnego)));
    w.le32(0);
    w.bytes(kSpnego);
  }
  w.patch24(1, uint32_t(w.position() - 4));
  return w.size();
}

size_t smbMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  if (r.exchange == 0) return smbNegotiate(r, out);
  // Session setup, tree connect, then reads and writes; the NetBIOS length covers the whole message.
  static constexpr uint16_t kCommands[] = {5, 8, 8, 9, 6, 16, 14};  // create, read, write, close, ...
  const uint16_t command = r.exchange == 1 ? 1 : r.exchange == 2 ? 3 : kCommands[r.exchange % 7];
  Writer w(out);
  const uint32_t length = r.totalLength > 4 ? r.totalLength - 4 : 0;
  smb2Header(w, command, !r.fromClient, r.exchange, std::min<uint32_t>(length, 0xffffff));
  return w.size();
}

// ---- SNMP -----------------------------------------------------------------------------------------

// BER definite lengths: minimal, or (longForm) one byte longer than needed, which BER allows.
size_t berLengthSize(size_t n, bool longForm) {
  const size_t minimal = n < 128 ? 1 : n < 256 ? 2 : 3;
  return longForm && minimal < 3 ? minimal + 1 : minimal;
}

void berLength(Writer& w, size_t n, bool longForm) {
  const size_t size = berLengthSize(n, longForm);
  if (size == 1) {
    w.u8(uint8_t(n));
  } else if (size == 2) {
    w.u8(0x81);
    w.u8(uint8_t(n));
  } else {
    w.u8(0x82);
    w.u16(uint16_t(n));
  }
}

// 1.3.6.1.2.1.1.<object>.0 in the system group (sysDescr, sysUpTime, sysName, ...).
void snmpSystemOid(Writer& w, uint8_t object) {
  const uint8_t oid[] = {0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, object, 0x00};
  w.bytes(oid);
}

void snmpMessageStart(Writer& w, size_t messageLength, bool messageLong, size_t pduLength, bool pduLong,
                      uint8_t pduType, uint32_t requestId) {
  w.u8(0x30);
  berLength(w, messageLength, messageLong);
  const uint8_t versionAndCommunity[] = {0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c'};
  w.bytes(versionAndCommunity);  // SNMPv2c, "public"
  w.u8(pduType);
  berLength(w, pduLength, pduLong);
  w.u8(0x02);
  w.u8(4);
  w.u32(requestId);
  const uint8_t noError[] = {0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
  w.bytes(noError);
}

// GetRequest for one to three system objects; its size is what BER makes it.
size_t snmpGetRequest(const PrefixRequest& r, uint32_t requestId, std::span<uint8_t> out) {
  const size_t objects = 1 + r.name % 3;
  const size_t list = 14 * objects;  // each varbind: 30 0c, the OID, NULL
  const size_t pdu = 6 + 6 + 2 + list;
  Writer w(out);
  snmpMessageStart(w, 11 + 2 + pdu, false, pdu, false, 0xa0, requestId);
  w.u8(0x30);
  w.u8(uint8_t(list));
  for (size_t i = 0; i < objects; ++i) {
    w.u8(0x30);
    w.u8(12);
    snmpSystemOid(w, uint8_t(1 + i * 2));
    w.u8(0x05);
    w.u8(0x00);
  }
  return w.size();
}

// GetResponse whose sysDescr string makes the message exactly `r.payloadLength` bytes long, as nDPI
// requires the outer BER length to match the datagram. Where a nested length crosses 127 some sizes
// cannot be reached with minimal lengths; some lengths then take the (valid BER) long form, chosen by
// the bits of `longForms` (value, varbind, list, PDU, message).
size_t snmpGetResponse(const PrefixRequest& r, uint32_t requestId, std::span<uint8_t> out) {
  static constexpr std::string_view kDescription =
      "Linux gw-core 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 ";
  for (unsigned longForms = 0; longForms < 32; ++longForms) {
    const auto size = [&](size_t n, unsigned bit) { return berLengthSize(n, (longForms >> bit) & 1); };
    for (size_t value = r.payloadLength; value-- > 0;) {
      const size_t varbind = 10 + 1 + size(value, 0) + value;
      const size_t list = 1 + size(varbind, 1) + varbind;
      const size_t pdu = 12 + 1 + size(list, 2) + list;
      const size_t message = 11 + 1 + size(pdu, 3) + pdu;
      const size_t total = 1 + size(message, 4) + message;
      if (total > r.payloadLength) continue;
      if (total < r.payloadLength) break;
      Writer w(out);
      snmpMessageStart(w, message, (longForms >> 4) & 1, pdu, (longForms >> 3) & 1, 0xa2, requestId);
      w.u8(0x30);
      berLength(w, list, (longForms >> 2) & 1);
      w.u8(0x30);
      berLength(w, varbind, (longForms >> 1) & 1);
      snmpSystemOid(w, 1);
      w.u8(0x04);
      berLength(w, value, longForms & 1);
      for (size_t i = 0; i < value; ++i) w.u8(uint8_t(kDescription[i % kDescription.size()]));
      return w.size();
    }
  }
  return 0;
}

size_t snmpMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  const uint32_t requestId = 0x10000000u | uint32_t(r.id) << 8 | (r.exchange & 0xff);
  return r.fromClient ? snmpGetRequest(r, requestId, out) : snmpGetResponse(r, requestId, out);
}

// ---- OpenVPN --------------------------------------------------------------------------------------

constexpr uint32_t kOpenVpnTime = 1'705'309'200;  // net_time of the replay protection, the trace start

void openVpnSessionId(Writer& w, uint16_t id, bool client) {
  randomBytes(w, 8, uint32_t(id) << 2 | (client ? 1 : 2));
}

// P_CONTROL_HARD_RESET_CLIENT_V2 / _SERVER_V2 with tls-auth (HMAC-SHA1): opcode and key id, session
// id, HMAC, replay packet id 1 and time, the ACK array (the server acknowledges the client's reset
// and names its session), message packet id 0. nDPI matches the client's session id in the server's
// acknowledgement.
size_t openVpnHardReset(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  w.u8(r.fromClient ? 7 << 3 : 8 << 3);
  openVpnSessionId(w, r.id, r.fromClient);
  randomBytes(w, 20, 0x40000u * (r.fromClient ? 1 : 2) + r.id);  // HMAC
  w.u32(1);
  w.u32(kOpenVpnTime);
  if (r.fromClient) {
    w.u8(0);
  } else {
    w.u8(1);
    w.u32(0);
    openVpnSessionId(w, r.id, true);
  }
  w.u32(0);
  return w.size();
}

size_t openVpnMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  if (r.exchange == 0) return openVpnHardReset(r, out);
  Writer w(out);
  w.u8(9 << 3);                                     // P_DATA_V2, key id 0
  w.u24(1);                                         // peer id
  w.u32(r.exchange * 64 + (r.payloadLength & 63));  // packet id
  return w.size();
}

// ---- syslog ---------------------------------------------------------------------------------------

// A BSD syslog line filling the whole datagram: nDPI 4.2 only accepts printable payloads.
size_t syslogMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  static constexpr std::string_view kText =
      "connection accepted from client; session opened for user app by (uid=0) "
      "pam_unix(sshd:session): keepalive timeout, retrying request to upstream server ";
  char header[80];
  const unsigned priority = 8 * (16 + r.name % 8) + 3 + r.name / 8 % 5;  // local0..7, error..debug
  const int n = std::snprintf(header, sizeof(header), "<%u>Jan 15 09:00:%02u host%02u app[%u]: ", priority,
                              r.payloadLength % 60, r.name % 50, 1000 + r.id % 30000);
  Writer w(out);
  w.text(std::string_view(header, n > 0 ? size_t(n) : 0));
  const size_t length = std::min<size_t>(r.payloadLength, out.size());
  for (size_t i = 0; w.position() + 1 < length; ++i) w.u8(uint8_t(kText[(r.id + i) % kText.size()]));
  w.u8('\n');
  return std::min(w.size(), length);
}

// ---- QUIC -----------------------------------------------------------------------------------------

constexpr size_t kQuicCidLength = 8;
constexpr size_t kQuicTagLength = 16;

// Connection ids: the client's first DCID (which the Initial keys derive from), the client's SCID
// and the server's SCID.
enum class QuicCid : uint8_t { kOriginal, kClient, kServer };

void quicConnectionId(Writer& w, uint16_t id, QuicCid which) {
  randomBytes(w, kQuicCidLength, 0x10000u * (1 + uint32_t(which)) + id);
}

// A variable-length integer in its two-byte form (values below 16384).
void quicVarint2(Writer& w, uint32_t v) {
  w.u16(uint16_t(0x4000 | v));
}

void quicTransportParameter(Writer& w, uint8_t id, uint32_t value) {
  w.u8(id);
  if (value < 64) {
    w.u8(1);
    w.u8(uint8_t(value));
  } else if (value < 16384) {
    w.u8(2);
    w.u16(uint16_t(0x4000 | value));
  } else {
    w.u8(4);
    w.u32(0x80000000u | value);
  }
}

void tlsExtensionStart(Writer& w, uint16_t type, size_t& lengthAt) {
  w.u16(type);
  lengthAt = w.position();
  w.u16(0);
}

void tlsExtensionEnd(Writer& w, size_t lengthAt) {
  w.patch16(lengthAt, uint16_t(w.position() - lengthAt - 2));
}

// The TLS 1.3 ClientHello handshake message (no record layer) a browser puts in its first Initial:
// SNI, groups, signature algorithms, key share, ALPN h3 and the QUIC transport parameters.
void quicClientHello(const PrefixRequest& r, Writer& w) {
  const std::string_view sni = domain(r.name);
  w.u8(0x01);
  const size_t helloLength = w.position();
  w.u24(0);
  w.u16(0x0303);
  randomBytes(w, 32, 0x80000u + r.id);  // random
  w.u8(0);                              // QUIC forbids a legacy session id
  w.u16(6);
  w.u16(0x1301);
  w.u16(0x1302);
  w.u16(0x1303);
  w.u8(1);
  w.u8(0);
  const size_t extensionsLength = w.position();
  w.u16(0);
  size_t at;
  tlsExtensionStart(w, 0x0000, at);  // server_name
  w.u16(uint16_t(sni.size() + 3));
  w.u8(0);
  w.u16(uint16_t(sni.size()));
  w.text(sni);
  tlsExtensionEnd(w, at);
  tlsExtensionStart(w, 0x000a, at);  // supported_groups: x25519, secp256r1, secp384r1
  w.u16(6);
  w.u16(0x001d);
  w.u16(0x0017);
  w.u16(0x0018);
  tlsExtensionEnd(w, at);
  tlsExtensionStart(w, 0x000d, at);  // signature_algorithms
  w.u16(8);
  w.u16(0x0403);
  w.u16(0x0804);
  w.u16(0x0401);
  w.u16(0x0503);
  tlsExtensionEnd(w, at);
  tlsExtensionStart(w, 0x0010, at);  // ALPN
  w.u16(3);
  w.u8(2);
  w.text("h3");
  tlsExtensionEnd(w, at);
  tlsExtensionStart(w, 0x002b, at);  // supported_versions: TLS 1.3 only
  w.u8(2);
  w.u16(0x0304);
  tlsExtensionEnd(w, at);
  tlsExtensionStart(w, 0x002d, at);  // psk_key_exchange_modes: psk_dhe_ke
  w.u8(1);
  w.u8(1);
  tlsExtensionEnd(w, at);
  tlsExtensionStart(w, 0x0033, at);  // key_share: x25519
  w.u16(36);
  w.u16(0x001d);
  w.u16(32);
  randomBytes(w, 32, 0xc0000u + r.id);
  tlsExtensionEnd(w, at);
  tlsExtensionStart(w, 0x0039, at);           // quic_transport_parameters (RFC 9000 §18.2)
  quicTransportParameter(w, 0x01, 30000);     // max_idle_timeout
  quicTransportParameter(w, 0x03, 1472);      // max_udp_payload_size
  quicTransportParameter(w, 0x04, 15728640);  // initial_max_data
  quicTransportParameter(w, 0x05, 6291456);   // initial_max_stream_data_bidi_local
  quicTransportParameter(w, 0x06, 6291456);   // ..._bidi_remote
  quicTransportParameter(w, 0x07, 6291456);   // ..._uni
  quicTransportParameter(w, 0x08, 100);       // initial_max_streams_bidi
  quicTransportParameter(w, 0x09, 103);       // initial_max_streams_uni
  w.u8(0x0f);                                 // initial_source_connection_id
  w.u8(uint8_t(kQuicCidLength));
  quicConnectionId(w, r.id, QuicCid::kClient);
  tlsExtensionEnd(w, at);
  const size_t end = w.position();
  w.patch24(helloLength, uint32_t(end - helloLength - 3));
  w.patch16(extensionsLength, uint16_t(end - extensionsLength - 2));
}

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// One OpenSSL cipher context per thread, reused: only Initial packets are encrypted, but there is no
// need to allocate for each of them.
EVP_CIPHER_CTX* cipherContext() {
  thread_local std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter> context(EVP_CIPHER_CTX_new());
  return context.get();
}

// AES-128-GCM payload protection (RFC 9001 §5.3), in place: `packet` is the header (the associated
// data, `headerLength` bytes) followed by the plaintext; the tag is written after the plaintext.
// The packet number is 0, so the nonce is the IV itself.
bool sealPayload(const quic::InitialKeys& keys, std::span<uint8_t> packet, size_t headerLength) {
  EVP_CIPHER_CTX* ctx = cipherContext();
  const size_t plainLength = packet.size() - headerLength - kQuicTagLength;
  uint8_t* plain = packet.data() + headerLength;
  int length = 0;
  return ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), nullptr, nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, int(keys.iv.size()), nullptr) == 1 &&
         EVP_EncryptInit_ex(ctx, nullptr, nullptr, keys.key.data(), keys.iv.data()) == 1 &&
         EVP_EncryptUpdate(ctx, nullptr, &length, packet.data(), int(headerLength)) == 1 &&
         EVP_EncryptUpdate(ctx, plain, &length, plain, int(plainLength)) == 1 &&
         EVP_EncryptFinal_ex(ctx, plain + length, &length) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, int(kQuicTagLength), plain + plainLength) == 1;
}

// Header protection (RFC 9001 §5.4): an AES-128-ECB mask over the ciphertext sample starting 4 bytes
// after the packet number hides the low bits of the first byte and the packet number.
bool protectHeader(const quic::InitialKeys& keys, std::span<uint8_t> packet, size_t pnOffset,
                   size_t pnLength) {
  std::array<uint8_t, 16> mask{};
  if (pnOffset + 4 > packet.size() || !quic::headerMask(keys, packet.subspan(pnOffset + 4), mask)) return false;
  packet[0] ^= mask[0] & 0x0f;
  for (size_t i = 0; i < pnLength; ++i) packet[pnOffset + i] ^= mask[1 + i];
  return true;
}

// The client's first datagram: a QUIC v1 Initial packet (RFC 9000 §17.2.2) carrying the ClientHello
// in a CRYPTO frame, padded to the whole datagram and protected with the Initial keys (RFC 9001 §5),
// so that nDPI and netmeter's own QUIC analyzer decrypt it and read the SNI.
size_t quicClientInitial(const PrefixRequest& r, std::span<uint8_t> out) {
  constexpr size_t kPnLength = 2;
  const size_t total = std::min<size_t>(r.payloadLength, out.size());
  Writer w(out.first(total));
  w.u8(0xc0 | (kPnLength - 1));  // long header, fixed bit, Initial, 2-byte packet number
  w.u32(quic::kVersion1);
  w.u8(uint8_t(kQuicCidLength));
  const size_t dcid = w.position();
  quicConnectionId(w, r.id, QuicCid::kOriginal);
  w.u8(uint8_t(kQuicCidLength));
  quicConnectionId(w, r.id, QuicCid::kClient);
  w.u8(0);  // no token
  const size_t lengthAt = w.position();
  quicVarint2(w, 0);
  const size_t pnOffset = w.position();
  w.u16(0);  // packet number 0
  const size_t headerLength = w.position();
  w.u8(0x06);  // CRYPTO at offset 0
  w.u8(0);
  const size_t cryptoLength = w.position();
  quicVarint2(w, 0);
  quicClientHello(r, w);
  w.patch16(cryptoLength, uint16_t(0x4000 | (w.position() - cryptoLength - 2)));
  if (w.position() + kQuicTagLength > total) return 0;  // too small for an Initial: left as filler
  w.zeros(total - kQuicTagLength - w.position());       // PADDING frames
  w.patch16(lengthAt, uint16_t(0x4000 | (total - pnOffset)));

  static const std::optional<quic::VersionParameters> kV1 = quic::versionParameters(quic::kVersion1);
  const std::span<uint8_t> packet = out.first(total);
  const auto keys =
      kV1 ? quic::deriveInitialKeys(*kV1, packet.subspan(dcid, kQuicCidLength), quic::Side::kClient)
          : std::nullopt;
  if (!keys || !sealPayload(*keys, packet, headerLength) ||
      !protectHeader(*keys, packet, pnOffset, kPnLength))
    return 0;
  return total;
}

// The server's first flight stays opaque: Handshake packets (its certificate chain) with a valid
// long header, the connection ids and a length covering the datagram, then filler standing for the
// protected payload. Handshake rather than Initial packets, because an opaque Initial would count as
// a decryption failure in analyzers that open server Initials.
size_t quicServerHandshake(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  w.u8(0xe1);  // long header, Handshake, 2-byte packet number
  w.u32(quic::kVersion1);
  w.u8(uint8_t(kQuicCidLength));
  quicConnectionId(w, r.id, QuicCid::kClient);
  w.u8(uint8_t(kQuicCidLength));
  quicConnectionId(w, r.id, QuicCid::kServer);
  const size_t after = w.position() + 2;
  quicVarint2(w, uint32_t(r.payloadLength > after ? std::min<size_t>(r.payloadLength - after, 16383) : 0));
  return w.size();
}

// 1-RTT packets: short header with the peer's connection id.
size_t quicShortHeader(const PrefixRequest& r, std::span<uint8_t> out) {
  Writer w(out);
  w.u8(0x43);
  quicConnectionId(w, r.id, r.fromClient ? QuicCid::kServer : QuicCid::kClient);
  return w.size();
}

size_t quicMessage(const PrefixRequest& r, std::span<uint8_t> out) {
  if (r.exchange != 0) return quicShortHeader(r, out);
  return r.fromClient ? quicClientInitial(r, out) : quicServerHandshake(r, out);
}

// Which messages have a size of their own (see fixedMessageLength).
bool hasFixedLength(const PrefixRequest& r) {
  switch (r.service) {
    case Service::kMysql:
    case Service::kSmtp:
    case Service::kRdp:
    case Service::kSmb:
    case Service::kOpenVpn:
      return r.exchange == 0;
    case Service::kPostgres:
      return r.exchange <= 1;
    case Service::kSnmp:
      return r.fromClient;
    default:
      return false;
  }
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
      return smtpMessage(r, out);
    case Service::kMysql:
      return mysqlMessage(r, out);
    case Service::kPostgres:
      return postgresMessage(r, out);
    case Service::kRedis:
      return redisMessage(r, out);
    case Service::kRdp:
      return rdpMessage(r, out);
    case Service::kSmb:
      return smbMessage(r, out);
    case Service::kNtp: {
      Writer w(out);
      w.u8(r.fromClient ? 0x23 : 0x24);  // v4, client / server mode
      w.u8(r.fromClient ? 0 : 2);
      w.u8(6);
      w.u8(0xe9);
      return w.size();
    }
    case Service::kQuic:
      return quicMessage(r, out);
    case Service::kSyslog:
      return syslogMessage(r, out);
    case Service::kSnmp:
      return snmpMessage(r, out);
    case Service::kOpenVpn:
      return openVpnMessage(r, out);
    default:
      return 0;
  }
}

bool serverSpeaksFirst(Service service) {
  return service == Service::kMysql || service == Service::kSmtp;
}

size_t writeServerGreeting(Service service, uint16_t id, std::span<uint8_t> out) {
  switch (service) {
    case Service::kMysql:
      return mysqlGreeting(id, out);
    case Service::kSmtp:
      return textPrefix("220 mail.example.com ESMTP Postfix\r\n", out);
    default:
      return 0;
  }
}

uint32_t fixedMessageLength(const PrefixRequest& request) {
  if (!hasFixedLength(request)) return 0;
  std::array<uint8_t, kMaxPrefix> scratch;
  return uint32_t(writeApplicationPrefix(request, scratch));
}

}  // namespace netmeter
