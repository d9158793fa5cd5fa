#include "core/json_emitter.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace netmeter {
namespace {

// An object with `s` as its key and as its value, written by `Writer`.
template <typename Writer>
std::string written(const std::string& s) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key(s.data(), rapidjson::SizeType(s.size()));
  w.String(s.data(), rapidjson::SizeType(s.size()));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// What rapidjson's own Writer makes of it, and what netmeter's.
std::string reference(const std::string& s) {
  return written<rapidjson::Writer<rapidjson::StringBuffer>>(s);
}
std::string fast(const std::string& s) {
  return written<detail::UnescapedCopyWriter<rapidjson::StringBuffer>>(s);
}

TEST(UnescapedCopyWriter, EveryByteAtEveryPositionAsRapidjsonWritesIt) {
  for (int c = 0; c < 256; ++c) {
    for (size_t length = 1; length <= 20; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string s(length, 'x');
        s[at] = char(c);
        ASSERT_EQ(fast(s), reference(s)) << "byte " << c << " at " << at << " of " << length;
      }
    }
  }
  EXPECT_EQ(fast(""), reference(""));
  EXPECT_EQ(fast("clientIp"), "{\"clientIp\":\"clientIp\"}");
}

TEST(UnescapedCopyWriter, RandomStringsAsRapidjsonWritesThem) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20'000; ++i) {
    std::string s(rng() % 40, ' ');
    // Mostly printable, sometimes a byte that needs escaping or a UTF-8 byte.
    for (char& c : s) c = char(rng() % 8 == 0 ? rng() % 256 : 0x20 + rng() % 95);
    ASSERT_EQ(fast(s), reference(s)) << i;
  }
}

TEST(UnescapedCopyWriter, NeedsEscapingOnlyForControlsQuoteAndBackslash) {
  for (int c = 0; c < 256; ++c) {
    const char ch = char(c);
    EXPECT_EQ(detail::UnescapedCopyWriter<rapidjson::StringBuffer>::needsEscaping(&ch, 1),
              c < 0x20 || c == '"' || c == '\\')
        << c;
  }
}

}  // namespace
}  // namespace netmeter
