#include "api/user_store.h"

#include <sodium.h>

#include <cstdlib>

#include "api/json_util.h"
#include "api/state_dir.h"

namespace netmeter::api {

namespace {

constexpr const char* kAdminPasswordFile = "admin-password";

bool sodiumReady() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

UserStore::UserStore(std::string stateDir)
    : stateDir_(std::move(stateDir)), path_(stateDir_ + "/users.json") {}

bool UserStore::load(std::string& error) {
  if (!sodiumReady()) {
    error = "libsodium failed to initialise";
    return false;
  }
  std::string text;
  std::lock_guard lock(mutex_);
  users_.clear();
  ++generation_;
  if (!readFile(path_, text)) return true;  // no file yet
  rapidjson::Document doc;
  if (!parseJsonObject(text, doc) || !doc.HasMember("users") || !doc["users"].IsArray()) {
    error = path_ + ": not a netmeter users file";
    return false;
  }
  for (const auto& u : doc["users"].GetArray()) {
    if (!u.IsObject() || !u.HasMember("name") || !u["name"].IsString() || !u.HasMember("role") ||
        !u["role"].IsString() || !u.HasMember("hash") || !u["hash"].IsString()) {
      error = path_ + ": a user entry lacks name, role or hash";
      return false;
    }
    auto role = parseUserRole(u["role"].GetString());
    if (!role) {
      error = path_ + ": unknown role '" + std::string(u["role"].GetString()) + "'";
      return false;
    }
    users_.push_back(Entry{u["name"].GetString(), *role, u["hash"].GetString()});
  }
  return true;
}

bool UserStore::ensureAdmin(FirstStart& result, std::string& error) {
  {
    std::lock_guard lock(mutex_);
    if (!users_.empty()) return true;
  }
  std::string password;
  if (const char* env = std::getenv("NETMETER_ADMIN_PASSWORD"); env != nullptr && env[0] != '\0') {
    password = env;
    result.passwordFromEnvironment = true;
  } else {
    password = randomPassword();
    result.password = password;
    result.passwordFile = stateDir_ + "/" + kAdminPasswordFile;
    if (!writeFileAtomic(result.passwordFile, password + "\n", 0600, error)) return false;
  }
  if (auto e = add("admin", password, Role::Admin)) {
    error = e->message;
    return false;
  }
  result.createdAdmin = true;
  return true;
}

std::vector<UserInfo> UserStore::list() const {
  std::lock_guard lock(mutex_);
  std::vector<UserInfo> out;
  out.reserve(users_.size());
  for (const auto& u : users_) out.push_back(UserInfo{u.name, u.role});
  return out;
}

std::optional<Role> UserStore::role(std::string_view name) const {
  std::lock_guard lock(mutex_);
  for (const auto& u : users_) {
    if (u.name == name) return u.role;
  }
  return std::nullopt;
}

std::optional<Role> UserStore::verify(std::string_view name, std::string_view password) const {
  std::string hash;
  Role r = Role::ReadOnly;
  {
    std::lock_guard lock(mutex_);
    for (const auto& u : users_) {
      if (u.name == name) {
        hash = u.hash;
        r = u.role;
      }
    }
  }
  if (hash.empty() || password.size() > kMaxPasswordLength) {
    // Spend the same time for unknown users so that timing does not reveal which names exist.
    static const std::string dummy = [] {
      std::string h;
      hashPassword("netmeter-dummy-password", h);
      return h;
    }();
    if (crypto_pwhash_str_verify(dummy.c_str(), password.data(), password.size()) == 0) return std::nullopt;
    return std::nullopt;
  }
  if (crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) != 0) return std::nullopt;
  return r;
}

std::optional<ApiError> UserStore::checkName(std::string_view name) {
  if (name.empty() || name.size() > 64) return badParameter("name", "user name must have 1 to 64 characters");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return badParameter("name", "user name may contain only letters, digits, '.', '_' and '-'");
  }
  return std::nullopt;
}

std::optional<ApiError> UserStore::checkPassword(std::string_view password) {
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return badParameter("password", "password must have " + std::to_string(kMinPasswordLength) + " to " +
                                        std::to_string(kMaxPasswordLength) + " characters");
  }
  return std::nullopt;
}

std::string UserStore::randomPassword(size_t length) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  sodiumReady();
  std::string out;
  for (size_t i = 0; i < length; ++i) out.push_back(kAlphabet[randombytes_uniform(kAlphabet.size())]);
  return out;
}

bool UserStore::hashPassword(std::string_view password, std::string& hash) {
  char out[crypto_pwhash_STRBYTES];
  if (!sodiumReady() || crypto_pwhash_str(out, password.data(), password.size(), kOpsLimit, kMemLimit) != 0) {
    return false;
  }
  hash = out;
  return true;
}

std::optional<ApiError> UserStore::add(std::string_view name, std::string_view password, Role role) {
  if (auto e = checkName(name)) return e;
  if (auto e = checkPassword(password)) return e;
  if (role == Role::Public) return badParameter("role", "role must be admin, read-only or pcap");
  std::string hash;
  if (!hashPassword(password, hash)) return ApiError{500, "cannot hash the password (out of memory?)", {}};
  std::lock_guard lock(mutex_);
  if (findLocked(name) != nullptr) return ApiError{409, "user '" + std::string(name) + "' exists", "name"};
  users_.push_back(Entry{std::string(name), role, std::move(hash)});
  if (auto e = saveLocked()) {
    users_.pop_back();
    return e;
  }
  return std::nullopt;
}

std::optional<ApiError> UserStore::setPassword(std::string_view name, std::string_view password) {
  if (auto e = checkPassword(password)) return e;
  std::string hash;
  if (!hashPassword(password, hash)) return ApiError{500, "cannot hash the password (out of memory?)", {}};
  std::lock_guard lock(mutex_);
  Entry* u = findLocked(name);
  if (u == nullptr) return ApiError{404, "no user '" + std::string(name) + "'", {}};
  std::swap(u->hash, hash);
  if (auto e = saveLocked()) {
    std::swap(u->hash, hash);
    return e;
  }
  return std::nullopt;
}

std::optional<ApiError> UserStore::setRole(std::string_view name, Role role) {
  if (role == Role::Public) return badParameter("role", "role must be admin, read-only or pcap");
  std::lock_guard lock(mutex_);
  Entry* u = findLocked(name);
  if (u == nullptr) return ApiError{404, "no user '" + std::string(name) + "'", {}};
  if (u->role == Role::Admin && role != Role::Admin && adminCountLocked() == 1) {
    return ApiError{409, "cannot take the admin role from the last admin", "role"};
  }
  Role old = u->role;
  u->role = role;
  if (auto e = saveLocked()) {
    u->role = old;
    return e;
  }
  return std::nullopt;
}

std::optional<ApiError> UserStore::remove(std::string_view name) {
  std::lock_guard lock(mutex_);
  Entry* u = findLocked(name);
  if (u == nullptr) return ApiError{404, "no user '" + std::string(name) + "'", {}};
  if (u->role == Role::Admin && adminCountLocked() == 1) {
    return ApiError{409, "cannot delete the last admin", {}};
  }
  auto saved = users_;
  users_.erase(users_.begin() + (u - users_.data()));
  if (auto e = saveLocked()) {
    users_ = std::move(saved);
    return e;
  }
  return std::nullopt;
}

uint64_t UserStore::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

UserStore::Entry* UserStore::findLocked(std::string_view name) {
  for (auto& u : users_) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

size_t UserStore::adminCountLocked() const {
  size_t n = 0;
  for (const auto& u : users_) n += u.role == Role::Admin ? 1 : 0;
  return n;
}

std::optional<ApiError> UserStore::saveLocked() {
  ++generation_;
  JsonBuilder json;
  json.beginObject().field("version", 1).key("users").beginArray();
  for (const auto& u : users_) {
    json.beginObject()
        .field("name", u.name)
        .field("role", roleName(u.role))
        .field("hash", u.hash)
        .endObject();
  }
  json.endArray().endObject();
  std::string error;
  if (!writeFileAtomic(path_, json.str() + "\n", 0600, error)) return ApiError{500, error, {}};
  return std::nullopt;
}

}  // namespace netmeter::api
