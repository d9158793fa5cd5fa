#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"

namespace netmeter::api {

// The web UI's custom dashboards, kept in `<state dir>/dashboards.json` (mode 0600, written
// atomically before a change is acknowledged):
//   {"version":1,"users":{"<user>":[dashboard, ...]},"templates":[{"name","author","dashboard"}]}
// A dashboard is a JSON object the UI defines (widgets and their settings); the server checks only
// its frame: an object with a string "id" (1..64 characters) and "name" (1..200), at most
// kMaxDashboards per user and kMaxTemplates templates. Each user sees and changes only their own
// list; templates are shared by everyone. Thread-safe.
class DashboardStore {
 public:
  static constexpr size_t kMaxDashboards = 100;
  static constexpr size_t kMaxTemplates = 200;
  static constexpr size_t kMaxBodyBytes = 512 * 1024;

  explicit DashboardStore(std::string stateDir);

  // Reads dashboards.json; a missing file is an empty store. False with `error` on bad data.
  bool load(std::string& error);

  // {"dashboards":[...]} of `user` (empty list when they have none).
  std::string dashboardsJson(std::string_view user) const;
  // Replaces the list of `user` with the "dashboards" array of `body`.
  std::optional<ApiError> setDashboards(std::string_view user, std::string_view body);
  // Drops the dashboards of a user (when the user is deleted).
  void removeUser(std::string_view user);

  // {"templates":[{"name","author","dashboard"}]}
  std::string templatesJson() const;
  // Adds or replaces the template `name` from body {"name", "dashboard"}; a template of another
  // author can be replaced only by an admin.
  std::optional<ApiError> putTemplate(std::string_view author, bool admin, std::string_view body);
  std::optional<ApiError> removeTemplate(std::string_view name, std::string_view user, bool admin);

 private:
  struct Template {
    std::string name;
    std::string author;
    std::string dashboard;  // serialized JSON object
  };

  std::optional<ApiError> saveLocked();
  std::string templatesLocked() const;  // the JSON array

  std::string path_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> users_;  // user -> serialized JSON array
  std::vector<Template> templates_;
};

}  // namespace netmeter::api
