#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/errors.h"
#include "api/http_types.h"

namespace netmeter::api {

// Percent-decodes `in`; with `plusIsSpace` (query strings) '+' becomes ' '. nullopt when a '%' is
// not followed by two hex digits or the result contains a NUL byte.
std::optional<std::string> percentDecode(std::string_view in, bool plusIsSpace);

// Splits "/a/b?x=1" into path and query string (without '?'); a fragment is dropped.
void splitTarget(std::string_view target, std::string_view& path, std::string_view& query);

// Parses "a=1&b=x+y&c" (URL-decoded; a key without '=' has the value ""; empty pieces are skipped).
// A key given twice is rejected: silently picking one of two values would hide mistakes in scripts.
Expected<NameValues> parseQuery(std::string_view query);

}  // namespace netmeter::api
