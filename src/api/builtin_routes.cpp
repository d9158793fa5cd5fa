#include "api/builtin_routes.h"

#include "api/errors.h"
#include "api/json_util.h"

namespace netmeter::api {

namespace {

Response userJson(std::string_view name, Role role, int status = 200) {
  JsonBuilder json;
  json.beginObject().field("name", name).field("role", roleName(role)).endObject();
  return Response::json(json.str(), status);
}

std::string sessionCookie(const Request& req, std::string_view token, bool clear) {
  std::string cookie =
      std::string(kSessionCookie) + "=" + std::string(token) + "; Path=/; HttpOnly; SameSite=Strict";
  if (req.tls) cookie += "; Secure";
  if (clear) cookie += "; Max-Age=0";
  return cookie;
}

// Reads a string member of the request's JSON object body.
Expected<std::string> jsonString(const rapidjson::Document& doc, const char* name, bool required) {
  if (!doc.HasMember(name)) {
    if (required) return badParameter(name, "'" + std::string(name) + "' is required");
    return std::string();
  }
  if (!doc[name].IsString()) return badParameter(name, "'" + std::string(name) + "' must be a string");
  return std::string(doc[name].GetString(), doc[name].GetStringLength());
}

std::optional<Response> parseBody(const Request& req, rapidjson::Document& doc) {
  if (!parseJsonObject(req.body, doc)) return errorResponse(400, "the request body must be a JSON object");
  return std::nullopt;
}

Response login(Authenticator& auth, const Request& req) {
  rapidjson::Document doc;
  if (auto bad = parseBody(req, doc)) return std::move(*bad);
  auto user = jsonString(doc, "user", true);
  if (!user) return user.errorResponse();
  auto password = jsonString(doc, "password", true);
  if (!password) return password.errorResponse();
  auto outcome = auth.login(*user, *password, req.clientAddress);
  if (outcome.kind == AuthOutcome::Kind::Throttled) {
    return errorResponse(429, "too many failed logins from this address, retry later")
        .withHeader("Retry-After", std::to_string(outcome.retryAfterSeconds));
  }
  if (outcome.kind != AuthOutcome::Kind::Ok) return errorResponse(401, "invalid user name or password");
  std::string token = auth.sessions().create(outcome.user);
  JsonBuilder json;
  json.beginObject().field("user", outcome.user).field("role", roleName(outcome.role)).endObject();
  return Response::json(json.str()).withHeader("Set-Cookie", sessionCookie(req, token, false));
}

Response logout(Authenticator& auth, const Request& req) {
  if (auto cookie = req.header("Cookie")) {
    auto token = cookieValue(*cookie, kSessionCookie);
    if (!token.empty()) auth.sessions().remove(token);
  }
  return Response::noContent().withHeader("Set-Cookie", sessionCookie(req, "", true));
}

Response listUsers(Authenticator& auth) {
  JsonBuilder json;
  json.beginObject().key("users").beginArray();
  for (const auto& u : auth.users().list()) {
    json.beginObject().field("name", u.name).field("role", roleName(u.role)).endObject();
  }
  json.endArray().endObject();
  return Response::json(json.str());
}

Response createUser(Authenticator& auth, const Request& req) {
  rapidjson::Document doc;
  if (auto bad = parseBody(req, doc)) return std::move(*bad);
  auto name = jsonString(doc, "name", true);
  if (!name) return name.errorResponse();
  auto password = jsonString(doc, "password", true);
  if (!password) return password.errorResponse();
  auto roleText = jsonString(doc, "role", true);
  if (!roleText) return roleText.errorResponse();
  auto role = parseUserRole(*roleText);
  if (!role) return errorResponse(400, "role must be admin, read-only or pcap", "role");
  if (auto e = auth.users().add(*name, *password, *role)) return e->toResponse();
  return userJson(*name, *role, 201);
}

Response getUser(Authenticator& auth, const Request& req) {
  std::string_view name = req.param("name");
  if (req.role != Role::Admin && name != req.user)
    return errorResponse(403, "only an admin may see other users");
  auto role = auth.users().role(name);
  if (!role) return errorResponse(404, "no user '" + std::string(name) + "'");
  return userJson(name, *role);
}

Response changeUser(Authenticator& auth, const Request& req) {
  std::string name(req.param("name"));
  const bool self = name == req.user;
  if (req.role != Role::Admin && !self) return errorResponse(403, "only an admin may change other users");
  rapidjson::Document doc;
  if (auto bad = parseBody(req, doc)) return std::move(*bad);
  auto password = jsonString(doc, "password", false);
  if (!password) return password.errorResponse();
  auto roleText = jsonString(doc, "role", false);
  if (!roleText) return roleText.errorResponse();
  if (password->empty() && roleText->empty())
    return errorResponse(400, "nothing to change: give 'password' or 'role'");
  std::optional<Role> role;
  if (!roleText->empty()) {
    role = parseUserRole(*roleText);
    if (!role) return errorResponse(400, "role must be admin, read-only or pcap", "role");
    if (req.role != Role::Admin) return errorResponse(403, "only an admin may change roles", "role");
  }
  if (!auth.users().role(name)) return errorResponse(404, "no user '" + name + "'");
  if (role) {
    if (auto e = auth.users().setRole(name, *role)) return e->toResponse();
  }
  if (!password->empty()) {
    if (auto e = auth.users().setPassword(name, *password)) return e->toResponse();
    auth.sessions().removeUser(name);  // other browsers logged in with the old password
  }
  return userJson(name, *auth.users().role(name));
}

Response deleteUser(Authenticator& auth, DashboardStore* dashboards, const Request& req) {
  std::string name(req.param("name"));
  if (auto e = auth.users().remove(name)) return e->toResponse();
  auth.sessions().removeUser(name);
  if (dashboards) dashboards->removeUser(name);
  return Response::noContent();
}

void addDashboardRoutes(Router& router, DashboardStore& store) {
  DashboardStore* d = &store;
  const RouteOptions big = RouteOptions::withMaxBody(DashboardStore::kMaxBodyBytes);
  router.add(Method::Get, "/API/system/dashboards", Role::ReadOnly,
             [d](const Request& r) { return Response::json(d->dashboardsJson(r.user)); });
  router.add(
      Method::Put, "/API/system/dashboards", Role::ReadOnly,
      [d](const Request& r) {
        if (auto e = d->setDashboards(r.user, r.body)) return e->toResponse();
        return Response::json(d->dashboardsJson(r.user));
      },
      big);
  router.add(Method::Get, "/API/system/dashboards/templates", Role::ReadOnly,
             [d](const Request&) { return Response::json(d->templatesJson()); });
  router.add(
      Method::Put, "/API/system/dashboards/templates", Role::ReadOnly,
      [d](const Request& r) {
        if (auto e = d->putTemplate(r.user, r.role == Role::Admin, r.body)) return e->toResponse();
        return Response::json(d->templatesJson());
      },
      big);
  router.add(Method::Delete, "/API/system/dashboards/templates/:name", Role::ReadOnly, [d](const Request& r) {
    if (auto e = d->removeTemplate(r.param("name"), r.user, r.role == Role::Admin)) return e->toResponse();
    return Response::noContent();
  });
}

}  // namespace

void addBuiltinRoutes(Router& router, Authenticator& auth, DashboardStore* dashboards) {
  Authenticator* a = &auth;
  router.add(
      Method::Post, "/API/auth/login", Role::Public, [a](const Request& r) { return login(*a, r); },
      RouteOptions::withMaxBody(4096));
  router.add(Method::Post, "/API/auth/logout", Role::Public, [a](const Request& r) { return logout(*a, r); });
  router.add(Method::Get, "/API/auth/me", Role::ReadOnly, [](const Request& r) {
    JsonBuilder json;
    json.beginObject().field("user", r.user).field("role", roleName(r.role)).endObject();
    return Response::json(json.str());
  });
  router.add(Method::Get, "/API/system/users", Role::Admin, [a](const Request&) { return listUsers(*a); });
  router.add(
      Method::Post, "/API/system/users", Role::Admin, [a](const Request& r) { return createUser(*a, r); },
      RouteOptions::withMaxBody(8192));
  router.add(Method::Get, "/API/system/users/:name", Role::ReadOnly,
             [a](const Request& r) { return getUser(*a, r); });
  router.add(
      Method::Put, "/API/system/users/:name", Role::ReadOnly,
      [a](const Request& r) { return changeUser(*a, r); }, RouteOptions::withMaxBody(8192));
  router.add(Method::Delete, "/API/system/users/:name", Role::Admin,
             [a, dashboards](const Request& r) { return deleteUser(*a, dashboards, r); });
  if (dashboards) addDashboardRoutes(router, *dashboards);
}

}  // namespace netmeter::api
