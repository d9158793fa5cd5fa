#include "core/json_sax_writer.h"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace netmeter {
namespace {

using Sax = JsonSaxWriter<rapidjson::StringBuffer>;
using Reference = rapidjson::Writer<rapidjson::StringBuffer>;

std::string text(const rapidjson::StringBuffer& b) {
  return std::string(b.GetString(), b.GetSize());
}

// An object with `s` as its key and as its value, written by netmeter's writer and by rapidjson's.
std::string fast(const std::string& s) {
  rapidjson::StringBuffer buffer;
  Sax w(buffer);
  w.beginObject();
  w.key(s.data(), s.size());
  w.string(s.data(), s.size());
  w.endObject();
  return text(buffer);
}
std::string reference(const std::string& s) {
  rapidjson::StringBuffer buffer;
  Reference w(buffer);
  w.StartObject();
  w.Key(s.data(), rapidjson::SizeType(s.size()));
  w.String(s.data(), rapidjson::SizeType(s.size()));
  w.EndObject();
  return text(buffer);
}

TEST(JsonSaxWriter, EveryByteAtEveryPositionAsRapidjsonWritesIt) {
  for (int c = 0; c < 256; ++c) {
    for (size_t length = 1; length <= 40; ++length) {
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

TEST(JsonSaxWriter, RandomStringsAsRapidjsonWritesThem) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20'000; ++i) {
    std::string s(rng() % 80, ' ');
    // Mostly printable, sometimes a byte that needs escaping or a UTF-8 byte.
    for (char& c : s) c = char(rng() % 8 == 0 ? rng() % 256 : 0x20 + rng() % 95);
    ASSERT_EQ(fast(s), reference(s)) << i;
  }
}

TEST(JsonSaxWriter, NeedsEscapingOnlyForControlsQuoteAndBackslash) {
  for (int c = 0; c < 256; ++c) {
    for (size_t length = 1; length <= 17; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string s(length, 'a');
        s[at] = char(c);
        ASSERT_EQ(Sax::needsEscaping(s.data(), s.size()), c < 0x20 || c == '"' || c == '\\')
            << c << " at " << at << " of " << length;
      }
    }
  }
  EXPECT_FALSE(Sax::needsEscaping("", 0));
}

// Random documents (nesting, keys, every kind of value) written by both writers event for event.
TEST(JsonSaxWriter, RandomDocumentsAsRapidjsonWritesThem) {
  std::mt19937_64 rng(11);
  auto randomString = [&] {
    std::string s(rng() % 24, ' ');
    for (char& c : s) c = char(rng() % 16 == 0 ? rng() % 256 : 0x20 + rng() % 95);
    return s;
  };
  const std::vector<double> specialDoubles = {0.0,
                                              -0.0,
                                              1.0,
                                              0.1,
                                              1e21,
                                              1e-7,
                                              123456789.125,
                                              std::numeric_limits<double>::max(),
                                              std::numeric_limits<double>::denorm_min()};
  for (int doc = 0; doc < 2'000; ++doc) {
    rapidjson::StringBuffer a, b;
    Sax fastWriter(a);
    Reference ref(b);
    std::vector<bool> inArray;  // the open levels
    // Start with one root object, then a random walk of events that keeps the document valid.
    fastWriter.beginObject(), ref.StartObject();
    inArray.push_back(false);
    for (int event = 0; event < 200 && !inArray.empty(); ++event) {
      const bool object = !inArray.back();
      if (object) {
        const std::string k = randomString();
        fastWriter.key(k.data(), k.size()), ref.Key(k.data(), rapidjson::SizeType(k.size()));
      }
      const unsigned what = unsigned(rng() % 10);
      if (what == 0 && inArray.size() < 12) {
        fastWriter.beginObject(), ref.StartObject();
        inArray.push_back(false);
      } else if (what == 1 && inArray.size() < 12) {
        fastWriter.beginArray(), ref.StartArray();
        inArray.push_back(true);
      } else if (what == 2) {
        fastWriter.raw("{\"r\":1}", 7), ref.RawValue("{\"r\":1}", 7, rapidjson::kObjectType);
      } else if (what == 3) {
        const bool v = rng() % 2;
        fastWriter.boolean(v), ref.Bool(v);
      } else {
        const uint64_t kind = rng() % 5;
        if (kind == 0) {
          const uint64_t v = rng() >> (rng() % 64);
          fastWriter.uint64(v), ref.Uint64(v);
        } else if (kind == 1) {
          const int64_t v = int64_t(rng()) >> (rng() % 64);
          fastWriter.int64(v), ref.Int64(v);
        } else if (kind == 2) {
          const double v = rng() % 2 ? specialDoubles[rng() % specialDoubles.size()]
                                     : double(int64_t(rng())) / double(1 + rng() % 100000);
          fastWriter.real(v), ref.Double(v);
        } else if (kind == 3) {
          const std::string s = randomString();
          fastWriter.string(s.data(), s.size()), ref.String(s.data(), rapidjson::SizeType(s.size()));
        } else {
          fastWriter.null(), ref.Null();
        }
      }
      if (rng() % 6 == 0) {  // close the innermost level
        if (inArray.back()) {
          fastWriter.endArray(), ref.EndArray();
        } else {
          fastWriter.endObject(), ref.EndObject();
        }
        inArray.pop_back();
      }
    }
    while (!inArray.empty()) {
      if (inArray.back()) {
        fastWriter.endArray(), ref.EndArray();
      } else {
        fastWriter.endObject(), ref.EndObject();
      }
      inArray.pop_back();
    }
    ASSERT_EQ(text(a), text(b)) << "document " << doc;
  }
}

TEST(JsonSaxWriter, NonFiniteNumbersAreNull) {
  rapidjson::StringBuffer buffer;
  Sax w(buffer);
  w.beginArray();
  w.real(std::nan(""));
  w.real(std::numeric_limits<double>::infinity());
  w.real(-std::numeric_limits<double>::infinity());
  w.real(2.5);
  w.endArray();
  EXPECT_EQ(text(buffer), "[null,null,null,2.5]");
}

TEST(JsonSaxWriter, EmptyContainersAndRawSeparators) {
  rapidjson::StringBuffer buffer;
  Sax w(buffer);
  w.beginObject();
  w.key("a", 1);
  w.beginArray();
  w.endArray();
  w.key("b", 1);
  w.beginObject();
  w.endObject();
  w.key("c", 1);
  w.beginArray();
  w.raw("1", 1);
  w.raw("", 0);  // the separator only: bulk text follows
  w.endArray();
  w.endObject();
  EXPECT_EQ(text(buffer), "{\"a\":[],\"b\":{},\"c\":[1,]}");
}

}  // namespace
}  // namespace netmeter
