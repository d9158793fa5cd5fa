#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;
struct pcre2_real_match_context_8;

namespace netmeter::filter {

// A PCRE2 pattern compiled (and JIT-compiled when the platform supports it) for searching packet
// payloads: case-sensitive unless the pattern says (?i), bytes not UTF-8, unanchored. The compiled
// pattern is shared between copies; each copy has its own match data, so copies may be used by
// different threads. Matching does not allocate.
class RegexMatcher {
 public:
  struct CompileError {
    std::string message;  // PCRE2's message
    size_t offset = 0;    // in the pattern
  };
  // Null on failure, with `error` filled.
  static std::unique_ptr<RegexMatcher> compile(std::string_view pattern, CompileError& error);

  RegexMatcher(const RegexMatcher& other);
  RegexMatcher& operator=(const RegexMatcher& other);
  RegexMatcher(RegexMatcher&&) noexcept;
  RegexMatcher& operator=(RegexMatcher&&) noexcept;
  ~RegexMatcher();

  // Whether the pattern occurs anywhere in [data, data+size). Pathological backtracking beyond the
  // match limit counts as no match.
  bool search(const uint8_t* data, size_t size) const;
  bool jit() const;  // JIT compilation succeeded

 private:
  struct Shared;
  explicit RegexMatcher(std::shared_ptr<const Shared> shared);
  std::shared_ptr<const Shared> shared_;
  pcre2_real_match_data_8* matchData_ = nullptr;
};

}  // namespace netmeter::filter
