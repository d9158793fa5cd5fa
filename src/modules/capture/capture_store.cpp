#include "modules/capture/capture_store.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/json_util.h"
#include "api/state_dir.h"
#include "capture/packet_selector.h"

namespace netmeter {

namespace {

constexpr const char* kFileName = "captures.json";
constexpr size_t kMaxTextLength = 4096;

std::string serialize(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string joinArray(std::string_view key, const std::vector<std::string>* items) {
  std::string out = "{\"" + std::string(key) + "\":[";
  if (items != nullptr) {
    for (size_t i = 0; i < items->size(); ++i) {
      if (i) out += ',';
      out += (*items)[i];
    }
  }
  return out + "]}";
}

// user -> list of objects, from a JSON object member.
bool readUserLists(const rapidjson::Value& doc, const char* name,
                   std::map<std::string, std::vector<std::string>, std::less<>>& out) {
  if (!doc.HasMember(name)) return true;
  const rapidjson::Value& users = doc[name];
  if (!users.IsObject()) return false;
  const auto* members = users.MemberCount() ? &*users.MemberBegin() : nullptr;
  for (rapidjson::SizeType i = 0; i < users.MemberCount(); ++i) {
    const auto& m = members[i];
    if (!m.value.IsArray()) return false;
    auto& list = out[std::string(m.name.GetString(), m.name.GetStringLength())];
    for (const auto& item : m.value.GetArray()) list.push_back(serialize(item));
  }
  return true;
}

void writeUserLists(std::string& out, const char* name,
                    const std::map<std::string, std::vector<std::string>, std::less<>>& lists) {
  out += '"';
  out += name;
  out += "\":{";
  bool first = true;
  for (const auto& [user, items] : lists) {
    if (!first) out += ',';
    first = false;
    api::JsonBuilder u;
    u.value(user);
    out += u.str() + ":[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out += ',';
      out += items[i];
    }
    out += ']';
  }
  out += '}';
}


}  // namespace

api::Expected<filter::SnapRules> compileProfileRules(std::string_view profileJson) {
  rapidjson::Document doc;
  if (!api::parseJsonObject(profileJson, doc)) return api::badParameter("body", "the profile must be a JSON object");
  if (!doc.HasMember("rules") || !doc["rules"].IsArray())
    return api::badParameter("rules", "the profile needs a \"rules\" list");
  const auto& rules = doc["rules"];
  if (rules.Size() > filter::SnapRules::kMaxRules)
    return api::badParameter("rules", "a profile has at most " + std::to_string(filter::SnapRules::kMaxRules) + " rules");
  filter::SnapRules out;
  for (rapidjson::SizeType i = 0; i < rules.Size(); ++i) {
    const std::string where = "rules[" + std::to_string(i) + "]";
    const auto& r = rules[i];
    if (!r.IsObject()) return api::badParameter(where, where + " must be an object");
    if (!r.HasMember("snapLength") || !r["snapLength"].IsUint() || r["snapLength"].GetUint() > 262144)
      return api::badParameter(where + ".snapLength", where + " needs a \"snapLength\" from 0 (whole packet) to 262144");
    std::string expression;
    if (r.HasMember("expression")) {
      if (!r["expression"].IsString() || r["expression"].GetStringLength() > kMaxTextLength)
        return api::badParameter(where + ".expression", where + ": \"expression\" must be a string");
      expression = r["expression"].GetString();
    }
    if (r.HasMember("l7Protocol")) {
      if (!r["l7Protocol"].IsString() || r["l7Protocol"].GetStringLength() == 0 || r["l7Protocol"].GetStringLength() > 64)
        return api::badParameter(where + ".l7Protocol", where + ": \"l7Protocol\" must be a protocol name");
      if (!expression.empty())
        return api::badParameter(where, where + " has both \"expression\" and \"l7Protocol\"; give one");
      expression = std::string("l7Protocol == \"") + r["l7Protocol"].GetString() + "\"";
    }
    filter::SnapRules::Rule rule;
    if (auto error = filter::SnapRules::compileRule(expression, r["snapLength"].GetUint(), rule,
                                                    capture::captureCompileOptions()))
      return api::badParameter(where + ".expression", where + ": bad expression: " + *error);
    out.add(std::move(rule));
  }
  return out;
}

CaptureStore::CaptureStore(std::string stateDir)
    : path_(stateDir.empty() ? std::string() : std::move(stateDir) + "/" + kFileName) {}

bool CaptureStore::load(std::string& error) {
  std::lock_guard lock(mutex_);
  std::string text;
  if (path_.empty() || !api::readFile(path_, text)) return true;
  rapidjson::Document doc;
  if (!api::parseJsonObject(text, doc) || !readUserLists(doc, "recent", recent_) ||
      !readUserLists(doc, "favorites", favorites_) || (doc.HasMember("profiles") && !doc["profiles"].IsArray())) {
    error = path_ + ": not a netmeter captures file";
    return false;
  }
  if (doc.HasMember("profiles")) {
    for (const auto& p : doc["profiles"].GetArray()) {
      if (!p.IsObject() || !p.HasMember("id") || !p["id"].IsString()) continue;
      profiles_.push_back({p["id"].GetString(), serialize(p)});
    }
  }
  if (doc.HasMember("nextId") && doc["nextId"].IsUint64()) nextId_ = doc["nextId"].GetUint64();
  return true;
}

std::optional<api::ApiError> CaptureStore::saveLocked() {
  if (path_.empty()) return std::nullopt;
  std::string out = "{\"version\":1,\"nextId\":" + std::to_string(nextId_) + ",";
  writeUserLists(out, "recent", recent_);
  out += ',';
  writeUserLists(out, "favorites", favorites_);
  out += ",\"profiles\":[";
  for (size_t i = 0; i < profiles_.size(); ++i) {
    if (i) out += ',';
    out += profiles_[i].json;
  }
  out += "]}";
  std::string error;
  if (!api::writeFileAtomic(path_, out, 0600, error)) return api::ApiError{500, "cannot save captures: " + error, {}};
  return std::nullopt;
}

std::string CaptureStore::nextIdLocked() { return std::to_string(nextId_++); }

void CaptureStore::addRecent(std::string_view user, std::string entryJson) {
  std::lock_guard lock(mutex_);
  auto& list = recent_[std::string(user)];
  list.insert(list.begin(), std::move(entryJson));
  if (list.size() > kMaxRecent) list.resize(kMaxRecent);
  saveLocked();  // a recent entry that cannot be saved is not worth failing the capture for
}

std::string CaptureStore::recentJson(std::string_view user) const {
  std::lock_guard lock(mutex_);
  auto it = recent_.find(user);
  return joinArray("recent", it == recent_.end() ? nullptr : &it->second);
}

std::optional<api::ApiError> CaptureStore::clearRecent(std::string_view user) {
  std::lock_guard lock(mutex_);
  auto it = recent_.find(user);
  if (it == recent_.end()) return std::nullopt;
  recent_.erase(it);
  return saveLocked();
}

std::string CaptureStore::favoritesJson(std::string_view user) const {
  std::lock_guard lock(mutex_);
  auto it = favorites_.find(user);
  return joinArray("favorites", it == favorites_.end() ? nullptr : &it->second);
}

api::Expected<std::string> CaptureStore::addFavorite(std::string_view user, std::string_view body) {
  rapidjson::Document doc;
  if (!api::parseJsonObject(body, doc)) return api::badParameter("body", "the favorite must be a JSON object");
  if (!doc.HasMember("expression") || !doc["expression"].IsString() || doc["expression"].GetStringLength() > kMaxTextLength)
    return api::badParameter("expression", "the favorite needs an \"expression\" string");
  const std::string_view expression(doc["expression"].GetString(), doc["expression"].GetStringLength());
  if (expression.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    auto compiled = filter::Filter::compile(expression, capture::captureCompileOptions());
    if (!compiled.ok()) return api::badParameter("expression", "bad expression: " + compiled.error.toString());
  }
  if (doc.HasMember("description") &&
      (!doc["description"].IsString() || doc["description"].GetStringLength() > kMaxTextLength))
    return api::badParameter("description", "\"description\" must be a string of at most 4096 characters");
  std::lock_guard lock(mutex_);
  auto& list = favorites_[std::string(user)];
  if (list.size() >= kMaxFavorites)
    return api::badParameter("body", "at most " + std::to_string(kMaxFavorites) + " favorites per user");
  const std::string id = nextIdLocked();
  if (doc.HasMember("id")) doc.RemoveMember("id");
  doc.AddMember("id", rapidjson::Value(id.c_str(), doc.GetAllocator()), doc.GetAllocator());
  if (!doc.HasMember("description")) doc.AddMember("description", "", doc.GetAllocator());
  std::string json = serialize(doc);
  list.push_back(json);
  if (auto error = saveLocked()) {
    list.pop_back();
    return *error;
  }
  return json;
}

std::optional<api::ApiError> CaptureStore::removeFavorite(std::string_view user, std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = favorites_.find(user);
  if (id.empty()) {
    if (it != favorites_.end()) favorites_.erase(it);
    return saveLocked();
  }
  if (it != favorites_.end()) {
    for (size_t i = 0; i < it->second.size(); ++i) {
      rapidjson::Document d;
      if (api::parseJsonObject(it->second[i], d) && d.HasMember("id") && d["id"].IsString() &&
          std::string_view(d["id"].GetString()) == id) {
        it->second.erase(it->second.begin() + long(i));
        return saveLocked();
      }
    }
  }
  return api::notFound("no favorite '" + std::string(id) + "'");
}

std::string CaptureStore::profilesJson() const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"profiles\":[";
  for (size_t i = 0; i < profiles_.size(); ++i) {
    if (i) out += ',';
    out += profiles_[i].json;
  }
  return out + "]}";
}

api::Expected<std::string> CaptureStore::profileJson(std::string_view id) const {
  std::lock_guard lock(mutex_);
  for (const auto& p : profiles_)
    if (p.id == id) return p.json;
  return api::notFound("no capture profile '" + std::string(id) + "'");
}

api::Expected<std::string> CaptureStore::putProfile(std::string_view id, std::string_view body) {
  auto rules = compileProfileRules(body);
  if (!rules) return rules.error();
  rapidjson::Document doc;
  api::parseJsonObject(body, doc);
  if (!doc.HasMember("name") || !doc["name"].IsString() || doc["name"].GetStringLength() == 0 ||
      doc["name"].GetStringLength() > 200)
    return api::badParameter("name", "the profile needs a \"name\" of 1 to 200 characters");
  // Keep only the documented members.
  rapidjson::Document out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  std::lock_guard lock(mutex_);
  Profile* existing = nullptr;
  if (!id.empty()) {
    for (auto& p : profiles_)
      if (p.id == id) existing = &p;
    if (existing == nullptr) return api::notFound("no capture profile '" + std::string(id) + "'");
  } else if (profiles_.size() >= kMaxProfiles) {
    return api::badParameter("body", "at most " + std::to_string(kMaxProfiles) + " capture profiles");
  }
  const std::string newId = existing != nullptr ? existing->id : nextIdLocked();
  out.AddMember("id", rapidjson::Value(newId.c_str(), a), a);
  out.AddMember("name", rapidjson::Value(doc["name"], a), a);
  out.AddMember("rules", rapidjson::Value(doc["rules"], a), a);
  std::string json = serialize(out);
  const std::vector<Profile> before = profiles_;
  if (existing != nullptr) {
    existing->json = json;
  } else {
    profiles_.push_back({newId, json});
  }
  if (auto error = saveLocked()) {
    profiles_ = before;
    return *error;
  }
  return json;
}

std::optional<api::ApiError> CaptureStore::removeProfile(std::string_view id) {
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < profiles_.size(); ++i) {
    if (profiles_[i].id == id) {
      profiles_.erase(profiles_.begin() + long(i));
      return saveLocked();
    }
  }
  return api::notFound("no capture profile '" + std::string(id) + "'");
}

api::Expected<filter::SnapRules> CaptureStore::profileRules(std::string_view id) const {
  std::string json;
  {
    std::lock_guard lock(mutex_);
    for (const auto& p : profiles_)
      if (p.id == id) json = p.json;
  }
  if (json.empty()) return api::badParameter("profile", "no capture profile '" + std::string(id) + "'");
  return compileProfileRules(json);
}

}  // namespace netmeter
