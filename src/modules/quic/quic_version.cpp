#include "modules/quic/quic_version.h"

namespace netmeter::quic {

namespace {
constexpr std::array<uint8_t, 20> kSaltV1{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                          0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr std::array<uint8_t, 20> kSaltV2{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                          0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
// draft-ietf-quic-tls-29 .. -32
constexpr std::array<uint8_t, 20> kSaltDraft29{0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                               0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
// draft-ietf-quic-tls-23 .. -28
constexpr std::array<uint8_t, 20> kSaltDraft23{0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                               0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};

constexpr std::string_view kDraftNames[] = {"Draft-23", "Draft-24", "Draft-25", "Draft-26", "Draft-27",
                                            "Draft-28", "Draft-29", "Draft-30", "Draft-31", "Draft-32"};

// The names of the Google versions Q000..Q099 and T000..T099: their own 4 characters.
constexpr auto kGoogleNames = [] {
  std::array<std::array<char, 4>, 200> names{};
  for (int i = 0; i < 200; ++i) {
    const int n = i % 100;
    names[i] = {i < 100 ? 'Q' : 'T', '0', char('0' + n / 10), char('0' + n % 10)};
  }
  return names;
}();
}  // namespace

std::optional<VersionParameters> versionParameters(uint32_t version) {
  if (version == kVersion1)
    return VersionParameters{version, "V-1", kSaltV1, "quic key", "quic iv", "quic hp", false};
  if (version == kVersion2)
    return VersionParameters{version, "V-2", kSaltV2, "quicv2 key", "quicv2 iv", "quicv2 hp", true};
  if (isReservedVersion(version))
    return VersionParameters{version, {}, kSaltV1, "quic key", "quic iv", "quic hp", false, true};
  if (version >= 0xff000017 && version <= 0xff000020) {
    uint32_t draft = version & 0xff;
    return VersionParameters{version,
                             kDraftNames[draft - 23],
                             draft >= 29 ? kSaltDraft29 : kSaltDraft23,
                             "quic key",
                             "quic iv",
                             "quic hp",
                             false};
  }
  return std::nullopt;
}

VersionParameters reservedVersionDraft29(uint32_t version) {
  return VersionParameters{version, {}, kSaltDraft29, "quic key", "quic iv", "quic hp", false, true};
}

std::string_view versionName(uint32_t version) {
  if (auto p = versionParameters(version)) return p->name;
  switch (version) {
    case 0x00000000:
      return "Version-Negotiation";
    case 0xfaceb002:
      return "mvfst-27";
    default:
      break;
  }
  if (isGoogleVersion(version)) {
    const auto& name =
        kGoogleNames[size_t((version >> 24) == 'T' ? 100 : 0) + size_t(googleVersionNumber(version))];
    return {name.data(), name.size()};
  }
  if ((version & 0xff000000) == 0xff000000) return "Draft";
  return {};
}

PacketType packetType(uint8_t firstByte, bool v2PacketTypes) {
  uint8_t bits = (firstByte >> 4) & 3;
  if (!v2PacketTypes) return static_cast<PacketType>(bits);
  switch (bits) {
    case 1:
      return PacketType::kInitial;
    case 2:
      return PacketType::kZeroRtt;
    case 3:
      return PacketType::kHandshake;
    default:
      return PacketType::kRetry;
  }
}

}  // namespace netmeter::quic
