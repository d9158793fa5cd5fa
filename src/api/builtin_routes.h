#pragma once

#include "api/auth.h"
#include "api/dashboard_store.h"
#include "api/router.h"

namespace netmeter::api {

// The server's own routes:
//   POST   /API/auth/login          public      {"user","password"} -> session cookie, {"user","role"}
//   POST   /API/auth/logout         public      drops the session, clears the cookie (204)
//   GET    /API/auth/me             read-only   {"user","role"}
//   GET    /API/system/users        admin       {"users":[{"name","role"}]}
//   POST   /API/system/users        admin       {"name","password","role"} -> 201
//   GET    /API/system/users/:name  self/admin  {"name","role"}
//   PUT    /API/system/users/:name  self/admin  {"password"} and/or {"role"} (role: admin only)
//   DELETE /API/system/users/:name  admin       204 (not the last admin)
// and, with `dashboards`, the web UI's custom dashboards (see DashboardStore):
//   GET    /API/system/dashboards                   read-only  {"dashboards":[...]} of the caller
//   PUT    /API/system/dashboards                   read-only  {"dashboards":[...]} replaces them
//   GET    /API/system/dashboards/templates         read-only  {"templates":[{"name","author","dashboard"}]}
//   PUT    /API/system/dashboards/templates         read-only  {"name","dashboard"} adds or replaces
//                                                               (another author's: admin only)
//   DELETE /API/system/dashboards/templates/:name   read-only  author or admin, 204
void addBuiltinRoutes(Router& router, Authenticator& auth, DashboardStore* dashboards = nullptr);

}  // namespace netmeter::api
