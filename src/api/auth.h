#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/http_types.h"
#include "api/user_store.h"

namespace netmeter::api {

using Clock = std::chrono::steady_clock;

std::optional<std::string> base64Decode(std::string_view in);
std::string base64Encode(std::string_view in);

// "Basic dXNlcjpwYXNz" -> {"user", "pass"}.
std::optional<std::pair<std::string, std::string>> parseBasicAuth(std::string_view header);
// The value of cookie `name` in a Cookie header ("a=1; netmeter_session=..."), or "".
std::string_view cookieValue(std::string_view header, std::string_view name);

// Web UI sessions: random 256-bit tokens in memory, dropped after `idleTimeout` without use.
class SessionStore {
 public:
  static constexpr size_t kMaxSessions = 10000;

  explicit SessionStore(std::chrono::milliseconds idleTimeout) : idleTimeout_(idleTimeout) {}

  std::string create(std::string_view user);
  std::optional<std::string> lookup(std::string_view token);  // the user; refreshes the idle timer
  void remove(std::string_view token);
  void removeUser(std::string_view user);
  size_t size();

 private:
  struct Session {
    std::string user;
    Clock::time_point lastUsed;
  };
  void expireLocked(Clock::time_point now);

  std::chrono::milliseconds idleTimeout_;
  std::mutex mutex_;
  std::unordered_map<std::string, Session> sessions_;
};

// Slows down password guessing per client address: after `freeFailures` failures in a row, the
// next attempt is allowed only 1 s after the last failure, then 2 s, 4 s, ... up to `maxDelay`.
// Attempts before that are refused (429 with Retry-After) without checking the password, so
// guessing costs the server nothing. A success resets the address.
class LoginThrottle {
 public:
  static constexpr size_t kMaxAddresses = 10000;

  explicit LoginThrottle(unsigned freeFailures = 5, std::chrono::seconds maxDelay = std::chrono::seconds(60))
      : freeFailures_(freeFailures), maxDelay_(maxDelay) {}

  // Seconds to wait before the next attempt from `address` (0: go ahead).
  uint32_t retryAfter(std::string_view address);
  void failure(std::string_view address);
  void success(std::string_view address);

 private:
  struct Record {
    unsigned failures = 0;
    Clock::time_point lastFailure;
  };
  std::chrono::milliseconds delayFor(unsigned failures) const;

  unsigned freeFailures_;
  std::chrono::seconds maxDelay_;
  std::mutex mutex_;
  std::unordered_map<std::string, Record> records_;
};

// Remembers recently verified Basic credentials (keyed BLAKE2b of user and password under a
// per-process random key, never the password) so that scripts polling with Basic auth do not pay
// argon2id per request. Entries die after `ttl` and whenever the user store changes.
class CredentialCache {
 public:
  static constexpr size_t kMaxEntries = 4096;

  explicit CredentialCache(std::chrono::seconds ttl = std::chrono::seconds(300));
  std::optional<Role> find(std::string_view user, std::string_view password, uint64_t generation);
  void insert(std::string_view user, std::string_view password, Role role, uint64_t generation);

  // Serialises checks of the same credentials: when 200 scripts start at once with the same
  // password, one pays for argon2id and the others find the result in the cache.
  std::shared_ptr<std::mutex> checkLock(std::string_view user, std::string_view password);

 private:
  using Key = std::array<unsigned char, 32>;
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Entry {
    Role role;
    uint64_t generation;
    Clock::time_point expires;
  };
  Key keyOf(std::string_view user, std::string_view password) const;

  std::chrono::seconds ttl_;
  std::array<unsigned char, 32> secret_{};
  std::mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  std::unordered_map<Key, std::weak_ptr<std::mutex>, KeyHash> checking_;
};

inline constexpr std::string_view kSessionCookie = "netmeter_session";

struct AuthOutcome {
  enum class Kind { Ok, Missing, Invalid, Throttled } kind = Kind::Missing;
  std::string user;
  Role role = Role::Public;
  uint32_t retryAfterSeconds = 0;
};

// Authenticates a request from its Authorization or Cookie header: a session cookie first, then
// HTTP Basic (cache, then argon2id). May take ~50 ms: call it off the I/O threads.
class Authenticator {
 public:
  Authenticator(UserStore& users, std::chrono::milliseconds sessionIdleTimeout)
      : users_(users), sessions_(sessionIdleTimeout) {}

  AuthOutcome authenticate(std::optional<std::string_view> authorization,
                           std::optional<std::string_view> cookie, std::string_view clientAddress);
  // For the login route: checks a password with the same throttling.
  AuthOutcome login(std::string_view user, std::string_view password, std::string_view clientAddress);

  UserStore& users() { return users_; }
  SessionStore& sessions() { return sessions_; }

 private:
  AuthOutcome checkPassword(std::string_view user, std::string_view password, std::string_view clientAddress,
                            bool useCache);

  UserStore& users_;
  SessionStore sessions_;
  LoginThrottle throttle_;
  CredentialCache cache_;
};

}  // namespace netmeter::api
