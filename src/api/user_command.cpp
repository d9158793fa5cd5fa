#include "api/user_command.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/state_dir.h"
#include "api/user_store.h"

namespace netmeter {

namespace {

using api::Role;
using api::UserStore;

constexpr const char* kUsage =
    "usage: netmeter user list [--state DIR]\n"
    "       netmeter user add NAME --role admin|read-only|pcap [--state DIR]\n"
    "       netmeter user passwd NAME [--state DIR]\n"
    "       netmeter user del NAME [--state DIR]\n"
    "The password is taken from NETMETER_PASSWORD or read from the terminal.\n";

// Reads one line from the terminal with echo off.
std::optional<std::string> readHidden(const char* prompt) {
  int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  termios old{};
  const bool isTty = ::tcgetattr(fd, &old) == 0;
  if (isTty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt, std::strlen(prompt));
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  if (isTty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> newPassword() {
  if (const char* env = std::getenv("NETMETER_PASSWORD"); env != nullptr && env[0] != '\0')
    return std::string(env);
  auto first = readHidden("New password: ");
  if (!first) {
    std::fprintf(stderr, "netmeter: no terminal to read the password from; set NETMETER_PASSWORD\n");
    return std::nullopt;
  }
  auto second = readHidden("Repeat it: ");
  if (!second || *first != *second) {
    std::fprintf(stderr, "netmeter: the passwords differ\n");
    return std::nullopt;
  }
  return first;
}

struct Args {
  std::string action;
  std::string name;
  std::string role;
  std::string stateDir;
};

bool parseArgs(int argc, char** argv, Args& args) {
  std::vector<std::string_view> positional;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if ((a == "--state" || a == "--role") && i + 1 < argc) {
      (a == "--state" ? args.stateDir : args.role) = argv[++i];
    } else if (a.starts_with("--state=")) {
      args.stateDir = std::string(a.substr(8));
    } else if (a.starts_with("--role=")) {
      args.role = std::string(a.substr(7));
    } else if (a.starts_with("-")) {
      std::fprintf(stderr, "netmeter user: unknown option '%s'\n", argv[i]);
      return false;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.empty()) return false;
  args.action = std::string(positional[0]);
  const size_t wanted = args.action == "list" ? 1 : 2;
  if (positional.size() != wanted) return false;
  if (wanted == 2) args.name = std::string(positional[1]);
  if (args.action == "add" && args.role.empty()) return false;
  return args.action == "list" || args.action == "add" || args.action == "passwd" || args.action == "del";
}

int fail(const std::optional<api::ApiError>& e) {
  std::fprintf(stderr, "netmeter: %s\n", e->message.c_str());
  return 1;
}

}  // namespace

int runUserCommand(int argc, char** argv) {
  Args args;
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!parseArgs(argc, argv, args)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string error;
  std::string dir = api::prepareStateDir(args.stateDir, error);
  if (dir.empty()) {
    std::fprintf(stderr, "netmeter: %s\n", error.c_str());
    return 1;
  }
  UserStore users(dir);
  if (!users.load(error)) {
    std::fprintf(stderr, "netmeter: %s\n", error.c_str());
    return 1;
  }
  if (args.action == "list") {
    for (const auto& u : users.list()) {
      std::printf("%-24s %s\n", u.name.c_str(), std::string(api::roleName(u.role)).c_str());
    }
    return 0;
  }
  if (args.action == "del") {
    if (auto e = users.remove(args.name)) return fail(e);
    std::printf("deleted user '%s'\n", args.name.c_str());
    return 0;
  }
  std::optional<Role> role;
  if (args.action == "add") {
    role = api::parseUserRole(args.role);
    if (!role) {
      std::fprintf(stderr, "netmeter: role must be admin, read-only or pcap\n");
      return 2;
    }
    if (auto e = UserStore::checkName(args.name)) return fail(e);
    if (users.role(args.name)) {
      std::fprintf(stderr, "netmeter: user '%s' exists\n", args.name.c_str());
      return 1;
    }
  } else if (!users.role(args.name)) {
    std::fprintf(stderr, "netmeter: no user '%s'\n", args.name.c_str());
    return 1;
  }
  auto password = newPassword();
  if (!password) return 1;
  if (args.action == "add") {
    if (auto e = users.add(args.name, *password, *role)) return fail(e);
    std::printf("added user '%s' (%s)\n", args.name.c_str(), args.role.c_str());
  } else {
    if (auto e = users.setPassword(args.name, *password)) return fail(e);
    std::printf("changed the password of '%s'\n", args.name.c_str());
  }
  return 0;
}

}  // namespace netmeter
