#include "api/state_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace netmeter::api {

namespace {

// mkdir -p; directories we create get `mode`.
bool makeDirs(const std::string& path, unsigned mode, std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    error = path + " exists and is not a directory";
    return false;
  }
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    if (!makeDirs(path.substr(0, slash), mode, error)) return false;
  }
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

std::string prepareStateDir(std::string_view explicitDir, std::string& error) {
  std::string dir;
  if (!explicitDir.empty()) {
    dir = std::string(explicitDir);
  } else if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/') {
    dir = std::string(xdg) + "/netmeter";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') {
    dir = std::string(home) + "/.local/state/netmeter";
  } else {
    error = "no state directory: set --state, XDG_STATE_HOME or HOME";
    return {};
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct stat st {};
  const bool existed = ::stat(dir.c_str(), &st) == 0;
  if (!makeDirs(dir, 0700, error)) return {};
  // The final directory holds secrets: keep it private even when umask is loose.
  if (!existed && ::chmod(dir.c_str(), 0700) != 0) {
    error = "cannot chmod " + dir + ": " + std::strerror(errno);
    return {};
  }
  return dir;
}

bool writeFileAtomic(const std::string& path, std::string_view content, unsigned mode, std::string& error) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  ::fchmod(fd, mode);  // O_CREAT's mode is filtered by umask
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = "cannot write " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool readFile(const std::string& path, std::string& content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  content = ss.str();
  return !in.bad();
}

}  // namespace netmeter::api
