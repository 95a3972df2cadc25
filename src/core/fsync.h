// fsync of a file or folder by path, for copies that must be on disk before they are reported
// (a folder's fsync makes the names in it durable).
#pragma once

#include <string>

namespace vigil {

// Throws std::runtime_error naming the path when it cannot be opened or synced.
void FsyncPath(const std::string& path, bool directory = false);

}  // namespace vigil
