#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"

namespace netmeter::api {

// A tree of path segments. Each node has literal children and at most one parameter child
// (":name", matching any one segment, URL-decoded); literals win over the parameter. Children are
// kept in registration order, which is the order OPTIONS lists them in.
class Router {
 public:
  struct Route {
    Method method;
    Role role;
    Handler handler;
    RouteOptions options;
    std::string pattern;
  };

  struct Node {
    std::string name;  // literal segment, or ":param" for a parameter node
    bool isParam = false;
    std::vector<std::unique_ptr<Node>> children;
    Node* paramChild = nullptr;
    std::vector<Route> routes;
  };

  enum class Outcome { Found, Options, NotFound, MethodNotAllowed, BadPath };

  struct Match {
    Outcome outcome = Outcome::NotFound;
    const Node* node = nullptr;
    const Route* route = nullptr;  // Found only
    NameValues params;
    std::string message;  // BadPath

    // What a client needs to be to learn anything about this path: the route's role when found,
    // otherwise ReadOnly (the tree is not shown to anonymous clients).
    Role requiredRole() const;
  };

  Router();

  // Registers a route. Patterns look like "/API/stats/modules/ip/ips/:ip". A malformed pattern, a
  // method registered twice on one node, or two parameter names at one level are programming
  // errors and throw std::invalid_argument.
  void add(Method method, std::string_view pattern, Role role, Handler handler, RouteOptions options = {});

  // `path` is the raw (still percent-encoded) path of the request target.
  Match match(Method method, std::string_view path) const;

  // {"subResources": [...]} for a node: the names of its children in registration order.
  static std::string subResourcesJson(const Node& node);
  // "GET, OPTIONS" for the Allow header.
  static std::string allowHeader(const Node& node);

 private:
  Node root_;
};

}  // namespace netmeter::api
