#include "intake/demo_lists.h"

#include <filesystem>
#include <fstream>

namespace vigil::intake {

Result<int> InstallStarterLists(const std::string& lists_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(lists_dir, ec);
  if (ec) return Error::Invalid(lists_dir, "cannot create the directory: " + ec.message());
  for (fs::directory_iterator it(lists_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".list") return 0;
  int written = 0;
  for (const StarterList& l : StarterLists()) {
    // Written beside and renamed, so a crash never leaves half a list for the server to refuse.
    const fs::path target = fs::path(lists_dir) / l.file;
    const fs::path tmp = target.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary);
      out << l.text;
      if (!out.flush()) return Error::Invalid(tmp.string(), "cannot write the list");
    }
    fs::rename(tmp, target, ec);
    if (ec) return Error::Invalid(target.string(), "cannot install the list: " + ec.message());
    ++written;
  }
  return written;
}

}  // namespace vigil::intake
