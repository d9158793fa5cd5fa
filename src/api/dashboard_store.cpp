#include "api/dashboard_store.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

#include "api/json_util.h"
#include "api/state_dir.h"

namespace netmeter::api {

namespace {

constexpr const char* kFileName = "dashboards.json";

std::string serialize(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool stringMember(const rapidjson::Value& v, const char* name, size_t maxLength) {
  if (!v.HasMember(name) || !v[name].IsString()) return false;
  const size_t n = v[name].GetStringLength();
  return n >= 1 && n <= maxLength;
}

// A dashboard's frame: an object with "id" and "name"; the rest belongs to the UI.
std::optional<ApiError> checkDashboard(const rapidjson::Value& d, std::string_view where) {
  if (!d.IsObject()) return badParameter(where, std::string(where) + " must be an object");
  if (!stringMember(d, "id", 64))
    return badParameter(where, std::string(where) + " needs an \"id\" of 1 to 64 characters");
  if (!stringMember(d, "name", 200))
    return badParameter(where, std::string(where) + " needs a \"name\" of 1 to 200 characters");
  return std::nullopt;
}

}  // namespace

DashboardStore::DashboardStore(std::string stateDir) : path_(std::move(stateDir) + "/" + kFileName) {}

bool DashboardStore::load(std::string& error) {
  std::lock_guard lock(mutex_);
  users_.clear();
  templates_.clear();
  std::string text;
  if (!readFile(path_, text)) return true;  // no file yet
  rapidjson::Document doc;
  if (!parseJsonObject(text, doc) || !doc.HasMember("users") || !doc["users"].IsObject() ||
      !doc.HasMember("templates") || !doc["templates"].IsArray()) {
    error = path_ + ": not a netmeter dashboards file";
    return false;
  }
  // Members are contiguous; indexing avoids RapidJSON's iterator comparison, which clang's C++20 mode
  // rejects as ambiguous (-Wambiguous-reversed-operator).
  const rapidjson::Value& userObject = doc["users"];
  const auto* members = userObject.MemberCount() ? &*userObject.MemberBegin() : nullptr;
  for (rapidjson::SizeType i = 0; i < userObject.MemberCount(); ++i) {
    const auto& m = members[i];
    if (!m.value.IsArray()) {
      error = path_ + ": the dashboards of '" + std::string(m.name.GetString()) + "' are not a list";
      return false;
    }
    users_.emplace(std::string(m.name.GetString(), m.name.GetStringLength()), serialize(m.value));
  }
  for (const auto& t : doc["templates"].GetArray()) {
    if (!t.IsObject() || !stringMember(t, "name", 200) || !t.HasMember("author") || !t["author"].IsString() ||
        !t.HasMember("dashboard") || !t["dashboard"].IsObject()) {
      error = path_ + ": a template lacks name, author or dashboard";
      return false;
    }
    templates_.push_back({t["name"].GetString(), t["author"].GetString(), serialize(t["dashboard"])});
  }
  return true;
}

std::optional<ApiError> DashboardStore::saveLocked() {
  std::string out = "{\"version\":1,\"users\":{";
  bool first = true;
  for (const auto& [user, list] : users_) {
    if (!first) out += ',';
    first = false;
    rapidjson::Value name(user.c_str(), static_cast<rapidjson::SizeType>(user.size()));
    out += serialize(name) + ":" + list;
  }
  out += "},\"templates\":" + templatesLocked();
  out += "}\n";
  std::string error;
  if (!writeFileAtomic(path_, out, 0600, error)) return ApiError{500, "cannot save dashboards: " + error, {}};
  return std::nullopt;
}

std::string DashboardStore::dashboardsJson(std::string_view user) const {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user);
  return "{\"dashboards\":" + (it == users_.end() ? std::string("[]") : it->second) + "}";
}

std::optional<ApiError> DashboardStore::setDashboards(std::string_view user, std::string_view body) {
  rapidjson::Document doc;
  if (!parseJsonObject(body, doc)) return ApiError{400, "the request body must be a JSON object", {}};
  if (!doc.HasMember("dashboards") || !doc["dashboards"].IsArray())
    return badParameter("dashboards", "\"dashboards\" must be a list");
  const auto& list = doc["dashboards"];
  if (list.Size() > kMaxDashboards)
    return badParameter("dashboards", "at most " + std::to_string(kMaxDashboards) + " dashboards per user");
  std::vector<std::string> ids;
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    if (auto e = checkDashboard(list[i], "dashboards")) return e;
    std::string id = list[i]["id"].GetString();
    if (std::find(ids.begin(), ids.end(), id) != ids.end())
      return badParameter("dashboards", "two dashboards have the id \"" + id + "\"");
    ids.push_back(std::move(id));
  }
  std::lock_guard lock(mutex_);
  const std::string key(user);
  auto previous = users_.find(key);
  std::optional<std::string> old;
  if (previous != users_.end()) old = previous->second;
  users_[key] = serialize(list);
  if (auto e = saveLocked()) {
    if (old)
      users_[key] = *old;
    else
      users_.erase(key);
    return e;
  }
  return std::nullopt;
}

void DashboardStore::removeUser(std::string_view user) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user);
  if (it == users_.end()) return;
  users_.erase(it);
  (void)saveLocked();
}

std::string DashboardStore::templatesLocked() const {
  std::string out = "[";
  for (size_t i = 0; i < templates_.size(); ++i) {
    const auto& t = templates_[i];
    if (i > 0) out += ',';
    JsonBuilder entry;  // the stored dashboard object is already JSON
    entry.beginObject()
        .field("name", t.name)
        .field("author", t.author)
        .key("dashboard")
        .raw(t.dashboard)
        .endObject();
    out += entry.str();
  }
  return out + "]";
}

std::string DashboardStore::templatesJson() const {
  std::lock_guard lock(mutex_);
  return "{\"templates\":" + templatesLocked() + "}";
}

std::optional<ApiError> DashboardStore::putTemplate(std::string_view author, bool admin,
                                                    std::string_view body) {
  rapidjson::Document doc;
  if (!parseJsonObject(body, doc)) return ApiError{400, "the request body must be a JSON object", {}};
  if (!stringMember(doc, "name", 200)) return badParameter("name", "\"name\" must be 1 to 200 characters");
  if (!doc.HasMember("dashboard")) return badParameter("dashboard", "\"dashboard\" is required");
  if (auto e = checkDashboard(doc["dashboard"], "dashboard")) return e;
  std::string name = doc["name"].GetString();
  std::lock_guard lock(mutex_);
  auto it =
      std::find_if(templates_.begin(), templates_.end(), [&](const Template& t) { return t.name == name; });
  const auto before = templates_;
  if (it != templates_.end()) {
    if (it->author != author && !admin)
      return ApiError{403, "the template \"" + name + "\" belongs to " + it->author, "name"};
    it->dashboard = serialize(doc["dashboard"]);
  } else {
    if (templates_.size() >= kMaxTemplates)
      return ApiError{409, "at most " + std::to_string(kMaxTemplates) + " templates", {}};
    templates_.push_back({name, std::string(author), serialize(doc["dashboard"])});
  }
  if (auto e = saveLocked()) {
    templates_ = before;
    return e;
  }
  return std::nullopt;
}

std::optional<ApiError> DashboardStore::removeTemplate(std::string_view name, std::string_view user,
                                                       bool admin) {
  std::lock_guard lock(mutex_);
  auto it =
      std::find_if(templates_.begin(), templates_.end(), [&](const Template& t) { return t.name == name; });
  if (it == templates_.end()) return notFound("no template \"" + std::string(name) + "\"");
  if (it->author != user && !admin)
    return ApiError{403, "the template \"" + std::string(name) + "\" belongs to " + it->author, {}};
  const auto before = templates_;
  templates_.erase(it);
  if (auto e = saveLocked()) {
    templates_ = before;
    return e;
  }
  return std::nullopt;
}

}  // namespace netmeter::api
