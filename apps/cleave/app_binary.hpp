// Where the cleave tool finds the app binary a placement names.
#pragma once

#include <string>

namespace cleave::tool {

/// `bin` if not empty (--bin), else the program named `app` beside the running cleave binary
/// (build/bin/<app> for a build; /usr/local/bin/<app> for an install), else `app` itself.
std::string app_binary(const std::string& bin, const std::string& app);

}  // namespace cleave::tool
