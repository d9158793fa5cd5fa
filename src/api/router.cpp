#include "api/router.h"

#include <stdexcept>

#include "api/json_util.h"
#include "api/url.h"

namespace netmeter::api {

namespace {

// Splits "/a/b/" into {"a", "b"}; false when the path does not start with '/' or has an empty
// segment in the middle ("/a//b"). One trailing slash is allowed.
bool splitPath(std::string_view path, std::vector<std::string_view>& segments) {
  if (path.empty() || path[0] != '/') return false;
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (seg.empty()) return false;
    segments.push_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return true;
}

}  // namespace

Role Router::Match::requiredRole() const {
  return outcome == Outcome::Found && route != nullptr ? route->role : Role::ReadOnly;
}

Router::Router() {
  root_.name = "";
}

void Router::add(Method method, std::string_view pattern, Role role, Handler handler, RouteOptions options) {
  std::vector<std::string_view> segments;
  if (!splitPath(pattern, segments))
    throw std::invalid_argument("bad route pattern: " + std::string(pattern));
  if (method == Method::Options) throw std::invalid_argument("OPTIONS is answered by the router itself");
  Node* node = &root_;
  for (auto seg : segments) {
    const bool isParam = seg[0] == ':';
    if (isParam && seg.size() == 1)
      throw std::invalid_argument("unnamed parameter in " + std::string(pattern));
    Node* next = nullptr;
    if (isParam) {
      if (node->paramChild != nullptr && node->paramChild->name != seg) {
        throw std::invalid_argument("conflicting parameter names " + node->paramChild->name + " and " +
                                    std::string(seg) + " in " + std::string(pattern));
      }
      next = node->paramChild;
    } else {
      for (auto& c : node->children) {
        if (!c->isParam && c->name == seg) next = c.get();
      }
    }
    if (next == nullptr) {
      auto child = std::make_unique<Node>();
      child->name = std::string(seg);
      child->isParam = isParam;
      next = child.get();
      if (isParam) node->paramChild = next;
      node->children.push_back(std::move(child));
    }
    node = next;
  }
  for (const auto& r : node->routes) {
    if (r.method == method) {
      throw std::invalid_argument("route registered twice: " + std::string(methodName(method)) + " " +
                                  std::string(pattern));
    }
  }
  node->routes.push_back(Route{method, role, std::move(handler), options, std::string(pattern)});
}

Router::Match Router::match(Method method, std::string_view path) const {
  Match m;
  std::vector<std::string_view> segments;
  if (!splitPath(path, segments)) {
    m.outcome = Outcome::NotFound;
    return m;
  }
  const Node* node = &root_;
  for (auto raw : segments) {
    auto seg = percentDecode(raw, false);
    if (!seg) {
      m.outcome = Outcome::BadPath;
      m.message = "path segment '" + std::string(raw) + "' is not valid URL encoding";
      return m;
    }
    const Node* next = nullptr;
    for (const auto& c : node->children) {
      if (!c->isParam && c->name == *seg) {
        next = c.get();
        break;
      }
    }
    if (next == nullptr && node->paramChild != nullptr) {
      next = node->paramChild;
      m.params.emplace_back(next->name.substr(1), std::move(*seg));
    }
    if (next == nullptr) {
      m.outcome = Outcome::NotFound;
      m.params.clear();
      return m;
    }
    node = next;
  }
  m.node = node;
  if (method == Method::Options) {
    m.outcome = Outcome::Options;
    return m;
  }
  for (const auto& r : node->routes) {
    if (r.method == method) {
      m.outcome = Outcome::Found;
      m.route = &r;
      return m;
    }
  }
  m.outcome = Outcome::MethodNotAllowed;
  return m;
}

std::string Router::subResourcesJson(const Node& node) {
  JsonBuilder json;
  json.beginObject().key("subResources").beginArray();
  for (const auto& c : node.children) json.value(c->name);
  json.endArray().endObject();
  return json.str();
}

std::string Router::allowHeader(const Node& node) {
  std::string allow;
  for (const auto& r : node.routes) {
    allow += methodName(r.method);
    allow += ", ";
  }
  allow += "OPTIONS";
  return allow;
}

}  // namespace netmeter::api
