#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"
#include "api/http_types.h"

namespace netmeter::api {

struct UserInfo {
  std::string name;
  Role role = Role::ReadOnly;
};

// What ensureAdmin() did on first start, for the caller to tell the operator (once).
struct FirstStart {
  bool createdAdmin = false;
  bool passwordFromEnvironment = false;
  std::string password;      // the generated password (empty when taken from the environment)
  std::string passwordFile;  // where it is kept (mode 0600), when generated
};

// Users in `<state dir>/users.json` (mode 0600): {"version":1,"users":[{"name","role","hash"}]},
// passwords as argon2id strings from libsodium's crypto_pwhash_str. Every change is written
// atomically before it is acknowledged. Thread-safe; password checks run outside the lock.
class UserStore {
 public:
  // argon2id cost: t=2, m=19 MiB (OWASP's recommendation), ~50-100 ms per hash or check.
  static constexpr unsigned long long kOpsLimit = 2;
  static constexpr size_t kMemLimit = 19u << 20;
  static constexpr size_t kMinPasswordLength = 8;
  static constexpr size_t kMaxPasswordLength = 1024;

  explicit UserStore(std::string stateDir);

  const std::string& path() const { return path_; }

  // Reads users.json; a missing file is an empty store. False with `error` on unreadable data.
  bool load(std::string& error);

  // When there is no user at all: creates "admin" with $NETMETER_ADMIN_PASSWORD, or a random
  // password written to `<state dir>/admin-password` (0600).
  bool ensureAdmin(FirstStart& result, std::string& error);

  std::vector<UserInfo> list() const;
  std::optional<Role> role(std::string_view name) const;
  // The user's role when the password is right (constant-time check, ~50 ms), else nullopt.
  std::optional<Role> verify(std::string_view name, std::string_view password) const;

  std::optional<ApiError> add(std::string_view name, std::string_view password, Role role);
  std::optional<ApiError> setPassword(std::string_view name, std::string_view password);
  std::optional<ApiError> setRole(std::string_view name, Role role);
  std::optional<ApiError> remove(std::string_view name);

  // Changes whenever a user is added, removed or changed (credential caches compare it).
  uint64_t generation() const;

  static std::optional<ApiError> checkName(std::string_view name);
  static std::optional<ApiError> checkPassword(std::string_view password);
  static std::string randomPassword(size_t length = 20);

 private:
  struct Entry {
    std::string name;
    Role role;
    std::string hash;
  };

  std::optional<ApiError> saveLocked();  // mutex_ held
  Entry* findLocked(std::string_view name);
  size_t adminCountLocked() const;
  static bool hashPassword(std::string_view password, std::string& hash);

  std::string stateDir_;
  std::string path_;
  mutable std::mutex mutex_;
  std::vector<Entry> users_;
  uint64_t generation_ = 1;
};

}  // namespace netmeter::api
