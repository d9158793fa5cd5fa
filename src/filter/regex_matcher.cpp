#include "filter/regex_matcher.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace netmeter::filter {

namespace {
// Bounds backtracking so that a pathological pattern cannot stall a capture.
constexpr uint32_t kMatchLimit = 1'000'000;
constexpr uint32_t kDepthLimit = 10'000;
}  // namespace

struct RegexMatcher::Shared {
  pcre2_code* code = nullptr;
  pcre2_match_context* context = nullptr;
  bool jit = false;
  ~Shared() {
    pcre2_match_context_free(context);
    pcre2_code_free(code);
  }
};

std::unique_ptr<RegexMatcher> RegexMatcher::compile(std::string_view pattern, CompileError& error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  auto shared = std::make_shared<Shared>();
  shared->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_NEVER_UTF,
                               &code, &offset, nullptr);
  if (shared->code == nullptr) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(code, buffer, sizeof buffer);
    error.message = reinterpret_cast<const char*>(buffer);
    error.offset = offset;
    return nullptr;
  }
  shared->jit = pcre2_jit_compile(shared->code, PCRE2_JIT_COMPLETE) == 0;
  shared->context = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(shared->context, kMatchLimit);
  pcre2_set_depth_limit(shared->context, kDepthLimit);
  return std::unique_ptr<RegexMatcher>(new RegexMatcher(std::move(shared)));
}

RegexMatcher::RegexMatcher(std::shared_ptr<const Shared> shared)
    : shared_(std::move(shared)), matchData_(pcre2_match_data_create(1, nullptr)) {}

RegexMatcher::RegexMatcher(const RegexMatcher& other)
    : shared_(other.shared_), matchData_(pcre2_match_data_create(1, nullptr)) {}

RegexMatcher& RegexMatcher::operator=(const RegexMatcher& other) {
  if (this != &other) shared_ = other.shared_;
  return *this;
}

RegexMatcher::RegexMatcher(RegexMatcher&& other) noexcept
    : shared_(std::move(other.shared_)), matchData_(other.matchData_) {
  other.matchData_ = nullptr;
}

RegexMatcher& RegexMatcher::operator=(RegexMatcher&& other) noexcept {
  if (this != &other) {
    pcre2_match_data_free(matchData_);
    shared_ = std::move(other.shared_);
    matchData_ = other.matchData_;
    other.matchData_ = nullptr;
  }
  return *this;
}

bool RegexMatcher::jit() const {
  return shared_->jit;
}

RegexMatcher::~RegexMatcher() {
  pcre2_match_data_free(matchData_);
}

bool RegexMatcher::search(const uint8_t* data, size_t size) const {
  static const uint8_t kEmpty = 0;
  if (data == nullptr) data = &kEmpty;
  const int rc = shared_->jit ? pcre2_jit_match(shared_->code, data, size, 0, 0, matchData_, shared_->context)
                              : pcre2_match(shared_->code, data, size, 0, 0, matchData_, shared_->context);
  return rc >= 0;
}

}  // namespace netmeter::filter
