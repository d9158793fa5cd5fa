#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"
#include "filter/snap_rules.h"

namespace netmeter {

// What the capture pages keep on the server, in `<state>/captures.json` (mode 0600, written
// atomically before a change is acknowledged):
//   {"version":1,
//    "recent":    {"<user>": [capture, ...]},        newest first, at most kMaxRecent per user
//    "favorites": {"<user>": [favorite, ...]},       at most kMaxFavorites per user
//    "profiles":  [profile, ...]}                    shared, at most kMaxProfiles
// recent: {"expression","startTime","endTime","snapPacketLength","fromCaptureBuffer","captureToMedia",
//          "profile","time"} (time: wall clock µs when it was started)
// favorite: {"id","expression","description", ...more members the UI keeps, stored as given}
// profile: {"id","name","rules":[{"expression" | "l7Protocol", "snapLength"}]}: up to 10 rules, the
//          first whose condition matches a packet decides its snap length (0: whole packet); a rule
//          without a condition matches every packet.
// Thread-safe.
class CaptureStore {
 public:
  static constexpr size_t kMaxRecent = 20;
  static constexpr size_t kMaxFavorites = 100;
  static constexpr size_t kMaxProfiles = 10;

  // Empty `stateDir`: nothing is persisted (tests).
  explicit CaptureStore(std::string stateDir);
  bool load(std::string& error);

  void addRecent(std::string_view user, std::string entryJson);
  std::string recentJson(std::string_view user) const;  // {"recent":[...]}
  std::optional<api::ApiError> clearRecent(std::string_view user);

  std::string favoritesJson(std::string_view user) const;  // {"favorites":[...]}
  // Adds from body {"expression", "description"?, ...}; returns the stored favorite.
  api::Expected<std::string> addFavorite(std::string_view user, std::string_view body);
  std::optional<api::ApiError> removeFavorite(std::string_view user, std::string_view id);  // id "" = all

  std::string profilesJson() const;  // {"profiles":[...]}
  api::Expected<std::string> profileJson(std::string_view id) const;
  // Creates (id empty) or replaces a profile from body {"name","rules":[...]}; returns it.
  api::Expected<std::string> putProfile(std::string_view id, std::string_view body);
  std::optional<api::ApiError> removeProfile(std::string_view id);
  // The compiled rules of profile `id` (404 when there is none).
  api::Expected<filter::SnapRules> profileRules(std::string_view id) const;

 private:
  struct Profile {
    std::string id;
    std::string json;  // the stored object
  };
  std::optional<api::ApiError> saveLocked();
  std::string nextIdLocked();

  std::string path_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<std::string>, std::less<>> recent_;     // user -> JSON objects
  std::map<std::string, std::vector<std::string>, std::less<>> favorites_;  // user -> JSON objects
  std::vector<Profile> profiles_;
  uint64_t nextId_ = 1;
};

// Compiles the rules of a profile object (the "rules" array). Error naming the rule otherwise.
api::Expected<filter::SnapRules> compileProfileRules(std::string_view profileJson);

}  // namespace netmeter
