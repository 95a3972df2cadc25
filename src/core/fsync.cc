#include "core/fsync.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace vigil {

void FsyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) throw std::runtime_error("open " + path + " to sync it failed");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("fsync " + path + " failed");
}

}  // namespace vigil
