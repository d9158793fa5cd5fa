#pragma once

#include <string>
#include <string_view>

namespace netmeter::api {

// The state directory: `explicitDir` when given, else $XDG_STATE_HOME/netmeter, else
// ~/.local/state/netmeter. Created (with parents) mode 0700 when missing. Returns the path, or ""
// with `error` set.
std::string prepareStateDir(std::string_view explicitDir, std::string& error);

// Writes `content` to `path` atomically (temporary file in the same directory, fsync, rename) with
// the given mode. False with `error` set on failure.
bool writeFileAtomic(const std::string& path, std::string_view content, unsigned mode, std::string& error);

bool readFile(const std::string& path, std::string& content);

}  // namespace netmeter::api
