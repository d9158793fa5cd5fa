// Parser and compiler: every operand of the reference, precedence, quoting, and error positions.
#include <gtest/gtest.h>

#include "filter/filter.h"
#include "filter/parser.h"

namespace netmeter::filter {
namespace {

FilterError errorOf(std::string_view text, const CompileOptions& options = {}) {
  CompileResult r = Filter::compile(text, options);
  EXPECT_FALSE(r.ok()) << text;
  return r.error;
}

void expectCompiles(std::string_view text, const CompileOptions& options = {}) {
  CompileResult r = Filter::compile(text, options);
  EXPECT_TRUE(r.ok()) << text << " -> " << r.error.toString();
}

TEST(FilterParser, EveryOperandOfTheReference) {
  CompileOptions options;
  options.groupIndex = [](std::string_view name) -> std::optional<uint8_t> {
    if (name == "My Servers") return 3;
    return std::nullopt;
  };
  for (const char* text : {
           "ip == 10.0.0.1",
           "ip == ff02::1:3",
           "ip == 10.0/16",
           "ip == 10.0.0.1:1234",
           "ip == [2a02:810a:1340:1292:1c6b:e58d:6ebc:6cd2]:123",
           "ip == 10.0.0.0/255.255.0.0",
           "ip == 2001:db8::/32",
           "ip == [2001:db8::/32]:443",
           "ip == 10.0.0.0/8:80",
           "mac == 12:34:56:78:90:ab",
           "mac == 12-34-56-78-90-AB",
           "port == 80",
           "portrange == 80,100-120,-10,65000-",
           "serverport == 80",
           "macProtocol == IPv4",
           "macProtocol == \"Non IP\"",
           "macProtocol == 0x88cc",
           "l4Protocol == ICMP,ICMPv6",
           "l4Protocol == 6",
           "l7Protocol == HTTP",
           "dpiProtocol == dns,tls",
           "countryCode == US",
           "arpip == 10.0.0.1",
           "vlan == 100",
           "vlan == none",
           "outervlan == any",
           "innervlan == 7",
           "multicastGroup == 239.1.2.3",
           "multicastGroup == any",
           "multicastGroup == ff02::1:3",
           "rtpPayloadType == PCMU",
           "rtpPayloadType == MP2T",
           "rtpPayloadType == 96",
           "interface == 1,3-5",
           "link == 2",
           "ptpMsgType == 0",
           "ptpMsgType == any",
           "ptpMsgType == Announce",
           "profinetFrameId == 0x8000",
           "profinetCmOpnum == connect",
           "profinetCmOpnum == \"read implicit\"",
           "profinetCmOpnum == any",
           "mpls == 16",
           "outerMpls == none",
           "innerMpls == any",
           "qosIpDscp == 46",
           "qosIpDscp == EF",
           "qosIpDscp == af41",
           "qosMplsTc == 5",
           "qosVlanPcp == 3",
           "group == default",
           "group == \"My Servers\"",
           "badCRC == 1",
           "icmpType == 8",
           "tcpFlags == syn",
           "tcpFlags == syn+ack",
           "tcpFlags == SYN+ACK+psh",
           "callId == \"abc@example.com\"",
           "ipFragment == 1",
           "regexp == \"allegr[o,a]|HTTP\"",
           "regexp == \"(?i)allegro|http\"",
       }) {
    expectCompiles(text, options);
  }
}

TEST(FilterParser, KeywordsAndNamesAreCaseInsensitive) {
  expectCompiles("IP == 10.0.0.1 AND Port == 80 OR L4PROTOCOL == udp");
  expectCompiles("l7protocol == \"dns\"");
  expectCompiles("tcpflags == Syn");
}

TEST(FilterParser, UrlFormWithoutSpaces) {
  expectCompiles("ip==10.1.2.3");
  expectCompiles("ip==10.0.0.1&&port==80||(vlan==3&&l4Protocol==UDP)");
  expectCompiles("(ip==10.0.0.1)and(port==80)");
}

TEST(FilterParser, AndBindsTighterThanOr) {
  ParseResult r = parseExpression("port == 1 or port == 2 and port == 3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.ast->kind, AstNode::Kind::kOr);
  ASSERT_EQ(r.ast->children.size(), 2u);
  EXPECT_EQ(r.ast->children[1].kind, AstNode::Kind::kAnd);
  r = parseExpression("(port == 1 or port == 2) and port == 3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.ast->kind, AstNode::Kind::kAnd);
  EXPECT_EQ(r.ast->children[0].kind, AstNode::Kind::kOr);
  r = parseExpression("port == 1 && port == 2 && port == 3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.ast->children.size(), 3u);  // flattened
}

TEST(FilterParser, Quoting) {
  ParseResult r = parseExpression("regexp == \"a b \\\" c\\d\"");
  ASSERT_TRUE(r.ok()) << r.error.toString();
  EXPECT_EQ(r.ast->comparison.value, "a b \" c\\d");
  EXPECT_TRUE(r.ast->comparison.quoted);
  // Typographic quotes as in the reference's own examples.
  r = parseExpression(
      "regexp == \xE2\x80\x9C"
      "allegro|analyzer\xE2\x80\x9D and l7protocol != \"dns\"");
  ASSERT_TRUE(r.ok()) << r.error.toString();
  EXPECT_EQ(r.ast->children[0].comparison.value, "allegro|analyzer");
  EXPECT_EQ(r.ast->children[1].comparison.value, "dns");
  EXPECT_TRUE(r.ast->children[1].comparison.notEqual);
}

TEST(FilterParser, ErrorsCarryPositionAndExpectation) {
  FilterError e = errorOf("ip == 10.0.0.1 and port == ");
  EXPECT_EQ(e.position, 27u);
  EXPECT_EQ(e.toString(), "position 27: expected a value after '=='");
  e = errorOf("ip == ");
  EXPECT_EQ(e.toString(), "position 6: expected a value after '=='");
  e = errorOf("");
  EXPECT_EQ(e.position, 0u);
  e = errorOf("ipx == 1");
  EXPECT_EQ(e.toString(), "position 0: unknown operand 'ipx'");
  e = errorOf("ip = 1.2.3.4");
  EXPECT_EQ(e.position, 3u);
  EXPECT_NE(e.message.find("'=='"), std::string::npos);
  e = errorOf("(ip == 1.2.3.4");
  EXPECT_EQ(e.position, 14u);
  EXPECT_NE(e.message.find("')'"), std::string::npos);
  e = errorOf("ip == 1.2.3.4)");
  EXPECT_EQ(e.position, 13u);
  e = errorOf("ip == 1.2.3.4 and");
  EXPECT_EQ(e.position, 17u);
  e = errorOf("ip == 1.2.3.4 xor port == 1");
  EXPECT_EQ(e.position, 14u);
  e = errorOf("port == 80 and ip == 300.1.1.1");
  EXPECT_EQ(e.position, 21u);
  EXPECT_NE(e.message.find("IPv4 or IPv6 address"), std::string::npos);
  e = errorOf("portrange == 80,120-100");
  EXPECT_EQ(e.position, 16u);
  e = errorOf("tcpFlags == syn+foo");
  EXPECT_EQ(e.position, 16u);
  e = errorOf("l4Protocol == TCP,bogus");
  EXPECT_EQ(e.position, 18u);
  e = errorOf("regexp == \"abc\"x");  // value continues straight after the quote
  EXPECT_EQ(e.position, 15u);
  e = errorOf("regexp == \"abc");
  EXPECT_EQ(e.position, 10u);
  EXPECT_EQ(e.message, "unterminated quoted value");
  e = errorOf("not ip == 1.2.3.4");
  EXPECT_NE(e.message.find("no 'not'"), std::string::npos);
  e = errorOf("!(ip == 1.2.3.4)");
  EXPECT_EQ(e.position, 0u);
  e = errorOf("vlan == 5000");
  EXPECT_EQ(e.position, 8u);
  e = errorOf("group == nope");
  EXPECT_NE(e.message.find("unknown group"), std::string::npos);
  e = errorOf("l7Protocol == NoSuchProtocol");
  EXPECT_EQ(e.position, 14u);
  e = errorOf("countryCode == USA");
  e = errorOf("ip == [10.0.0.1]:80");
  e = errorOf("ip == [2001:db8::1]443");
  e = errorOf("arpip == 10.0.0.1:80");
  e = errorOf("multicastGroup == 10.0.0.1");
  e = errorOf("ip == 10.0.0.1:");
  e = errorOf("ip == 10.0.0.0/33");
}

TEST(FilterParser, InvalidRegexReportedWithPcreMessageAndOffset) {
  FilterError e = errorOf("port == 80 and regexp == \"ab(c\"");
  EXPECT_NE(e.message.find("invalid regular expression"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("missing closing parenthesis"), std::string::npos) << e.message;
  EXPECT_EQ(e.position, 26u + 4u);  // value starts at 26, PCRE2 reports offset 4 (end of pattern)
  e = errorOf("regexp == \"[z-a]\"");
  EXPECT_NE(e.message.find("range out of order"), std::string::npos) << e.message;
}

TEST(FilterParser, NestingIsBounded) {
  std::string deep(kMaxNesting + 1, '(');
  deep += "port == 1";
  deep += std::string(kMaxNesting + 1, ')');
  EXPECT_FALSE(Filter::compile(deep).ok());
  std::string ok(kMaxNesting, '(');
  ok += "port == 1";
  ok += std::string(kMaxNesting, ')');
  EXPECT_TRUE(Filter::compile(ok).ok());
}

TEST(FilterParser, ProgramRecordsOperandsAndFlags) {
  CompileResult r = Filter::compile("l7Protocol == HTTP and (regexp == \"x\" or port == 1) and port == 2");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.filter->usesL7());
  EXPECT_TRUE(r.filter->needsPayload());
  EXPECT_EQ(r.filter->operands(),
            (std::vector<Operand>{Operand::kL7Protocol, Operand::kRegexp, Operand::kPort}));
  EXPECT_EQ(r.filter->program().code.size(), 6u);
}

}  // namespace
}  // namespace netmeter::filter
