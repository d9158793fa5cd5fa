#include "api/auth.h"

#include <sodium.h>
#include <strings.h>

#include <algorithm>
#include <cstring>

#include "core/text.h"

namespace netmeter::api {

namespace {

constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64Value(char c) {
  auto p = kBase64.find(c);
  return p == std::string_view::npos ? -1 : static_cast<int>(p);
}

}  // namespace

std::optional<std::string> base64Decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = base64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character
  return out;
}

std::string base64Encode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kBase64[(acc << (6 - bits)) & 0x3f]);
  while (out.size() % 4 != 0) out.push_back('=');
  return out;
}

std::optional<std::pair<std::string, std::string>> parseBasicAuth(std::string_view header) {
  header = trimWhitespace(header);
  if (header.size() < 6 || strncasecmp(header.data(), "Basic ", 6) != 0) return std::nullopt;
  auto decoded = base64Decode(trimWhitespace(header.substr(6)));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

std::string_view cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view piece = trimWhitespace(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    auto eq = piece.find('=');
    if (eq != std::string_view::npos && trimWhitespace(piece.substr(0, eq)) == name)
      return trimWhitespace(piece.substr(eq + 1));
  }
  return {};
}

// ---- SessionStore

std::string SessionStore::create(std::string_view user) {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  char hex[sizeof raw * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  std::string token(hex);
  auto now = Clock::now();
  std::lock_guard lock(mutex_);
  expireLocked(now);
  if (sessions_.size() >= kMaxSessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.lastUsed < b.second.lastUsed;
    });
    sessions_.erase(oldest);
  }
  sessions_[token] = Session{std::string(user), now};
  return token;
}

std::optional<std::string> SessionStore::lookup(std::string_view token) {
  if (token.size() != 64) return std::nullopt;
  auto now = Clock::now();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(token));
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.lastUsed > idleTimeout_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.lastUsed = now;
  return it->second.user;
}

void SessionStore::remove(std::string_view token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(std::string(token));
}

void SessionStore::removeUser(std::string_view user) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.user == user; });
}

size_t SessionStore::size() {
  std::lock_guard lock(mutex_);
  expireLocked(Clock::now());
  return sessions_.size();
}

void SessionStore::expireLocked(Clock::time_point now) {
  std::erase_if(sessions_, [&](const auto& kv) { return now - kv.second.lastUsed > idleTimeout_; });
}

// ---- LoginThrottle

std::chrono::milliseconds LoginThrottle::delayFor(unsigned failures) const {
  if (failures < freeFailures_) return std::chrono::milliseconds(0);
  unsigned shift = std::min(failures - freeFailures_, 16u);
  auto delay = std::chrono::milliseconds(1000) * (1u << shift);
  return std::min<std::chrono::milliseconds>(delay, maxDelay_);
}

uint32_t LoginThrottle::retryAfter(std::string_view address) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(std::string(address));
  if (it == records_.end()) return 0;
  auto allowedAt = it->second.lastFailure + delayFor(it->second.failures);
  auto now = Clock::now();
  if (now >= allowedAt) return 0;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(allowedAt - now).count();
  return static_cast<uint32_t>((ms + 999) / 1000);
}

void LoginThrottle::failure(std::string_view address) {
  auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (records_.size() >= kMaxAddresses && records_.find(std::string(address)) == records_.end()) {
    // Forget addresses whose last failure is older than the longest delay; if that frees nothing,
    // forget the oldest one.
    std::erase_if(records_, [&](const auto& kv) { return now - kv.second.lastFailure > maxDelay_; });
    if (records_.size() >= kMaxAddresses) {
      auto oldest = std::min_element(records_.begin(), records_.end(), [](const auto& a, const auto& b) {
        return a.second.lastFailure < b.second.lastFailure;
      });
      records_.erase(oldest);
    }
  }
  auto& r = records_[std::string(address)];
  ++r.failures;
  r.lastFailure = now;
}

void LoginThrottle::success(std::string_view address) {
  std::lock_guard lock(mutex_);
  records_.erase(std::string(address));
}

// ---- CredentialCache

CredentialCache::CredentialCache(std::chrono::seconds ttl) : ttl_(ttl) {
  if (sodium_init() < 0) std::abort();
  randombytes_buf(secret_.data(), secret_.size());
}

size_t CredentialCache::KeyHash::operator()(const Key& k) const {
  size_t h = 0;
  std::memcpy(&h, k.data(), sizeof h);
  return h;
}

CredentialCache::Key CredentialCache::keyOf(std::string_view user, std::string_view password) const {
  Key key{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, secret_.data(), secret_.size(), key.size());
  uint64_t userLen = user.size();
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(&userLen), sizeof userLen);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(user.data()), user.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(password.data()), password.size());
  crypto_generichash_final(&st, key.data(), key.size());
  return key;
}

std::optional<Role> CredentialCache::find(std::string_view user, std::string_view password,
                                          uint64_t generation) {
  Key key = keyOf(user, password);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.generation != generation || Clock::now() > it->second.expires) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.role;
}

void CredentialCache::insert(std::string_view user, std::string_view password, Role role,
                             uint64_t generation) {
  Key key = keyOf(user, password);
  auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) {
    std::erase_if(entries_, [&](const auto& kv) {
      return kv.second.generation != generation || now > kv.second.expires;
    });
    if (entries_.size() >= kMaxEntries) entries_.clear();
  }
  entries_[key] = Entry{role, generation, now + ttl_};
}

std::shared_ptr<std::mutex> CredentialCache::checkLock(std::string_view user, std::string_view password) {
  Key key = keyOf(user, password);
  std::lock_guard lock(mutex_);
  std::erase_if(checking_, [](const auto& kv) { return kv.second.expired(); });
  auto& slot = checking_[key];
  auto m = slot.lock();
  if (!m) {
    m = std::make_shared<std::mutex>();
    slot = m;
  }
  return m;
}

// ---- Authenticator

AuthOutcome Authenticator::authenticate(std::optional<std::string_view> authorization,
                                        std::optional<std::string_view> cookie,
                                        std::string_view clientAddress) {
  AuthOutcome out;
  if (cookie) {
    auto token = cookieValue(*cookie, kSessionCookie);
    if (!token.empty()) {
      if (auto user = sessions_.lookup(token)) {
        if (auto role = users_.role(*user)) {
          out.kind = AuthOutcome::Kind::Ok;
          out.user = std::move(*user);
          out.role = *role;
          return out;
        }
      }
      out.kind = AuthOutcome::Kind::Invalid;  // expired or unknown session; Basic may still work
    }
  }
  if (authorization) {
    auto basic = parseBasicAuth(*authorization);
    if (!basic) {
      out.kind = AuthOutcome::Kind::Invalid;
      return out;
    }
    return checkPassword(basic->first, basic->second, clientAddress, true);
  }
  return out;
}

AuthOutcome Authenticator::login(std::string_view user, std::string_view password,
                                 std::string_view clientAddress) {
  return checkPassword(user, password, clientAddress, false);
}

AuthOutcome Authenticator::checkPassword(std::string_view user, std::string_view password,
                                         std::string_view clientAddress, bool useCache) {
  AuthOutcome out;
  const uint64_t generation = users_.generation();
  std::shared_ptr<std::mutex> checking;
  std::unique_lock<std::mutex> checkingLock;
  if (useCache) {
    for (int pass = 0; pass < 2; ++pass) {
      if (auto role = cache_.find(user, password, generation)) {
        out.kind = AuthOutcome::Kind::Ok;
        out.user = std::string(user);
        out.role = *role;
        return out;
      }
      if (pass == 0) {
        checking = cache_.checkLock(user, password);
        checkingLock = std::unique_lock(*checking);
      }
    }
  }
  if (uint32_t wait = throttle_.retryAfter(clientAddress); wait > 0) {
    out.kind = AuthOutcome::Kind::Throttled;
    out.retryAfterSeconds = wait;
    return out;
  }
  auto role = users_.verify(user, password);
  if (!role) {
    throttle_.failure(clientAddress);
    out.kind = AuthOutcome::Kind::Invalid;
    return out;
  }
  throttle_.success(clientAddress);
  if (useCache) cache_.insert(user, password, *role, generation);
  out.kind = AuthOutcome::Kind::Ok;
  out.user = std::string(user);
  out.role = *role;
  return out;
}

}  // namespace netmeter::api
