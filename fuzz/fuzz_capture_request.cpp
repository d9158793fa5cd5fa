// Capture requests (modules/capture): the query parameters of GET /API/data/modules/capture, and
// capture profile bodies (JSON with snap-length rules compiled by the filter language).
// Input: first byte selects the parser; the rest is a query string ("a=b&c=d", already decoded) or a
// profile JSON document.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "modules/capture/capture_service.h"
#include "modules/capture/capture_store.h"

namespace {

class EmptySource final : public netmeter::PacketSource {
 public:
  netmeter::ReadStatus next(netmeter::RawPacket&) override { return netmeter::ReadStatus::kEnd; }
  const netmeter::ReadError& error() const override { return error_; }
  const std::vector<netmeter::InterfaceInfo>& interfaces() const override { return interfaces_; }
  uint64_t bytesConsumed() const override { return 0; }
  uint64_t bytesTotal() const override { return 0; }

 private:
  netmeter::ReadError error_;
  std::vector<netmeter::InterfaceInfo> interfaces_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    auto rules = netmeter::compileProfileRules(text);
    (void)rules;
    return 0;
  }
  static auto analysis =
      std::make_shared<netmeter::Analysis>(std::make_unique<EmptySource>(), std::vector<std::string>{},
                                           netmeter::EngineOptions{});
  static netmeter::AnalysisSlot slot(analysis);
  static netmeter::CaptureService service(slot);
  netmeter::api::Request req;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t amp = text.find('&', pos);
    if (amp == std::string::npos) amp = text.size();
    const std::string pair = text.substr(pos, amp - pos);
    const size_t eq = pair.find('=');
    std::string name = pair.substr(0, eq);
    bool duplicate = false;
    for (const auto& q : req.query) duplicate = duplicate || q.first == name;
    if (!duplicate) req.query.emplace_back(name, eq == std::string::npos ? "" : pair.substr(eq + 1));
    pos = amp + 1;
  }
  auto params = service.parse(req, *analysis);
  (void)params;
  return 0;
}
