#include "event/script_dir.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "event/script_rules.h"

namespace ctdb::event {

namespace {

Error treeMissing(ScriptTree tree) {
  return errnoError(ENOENT, std::string("Event dir for ") + treeName(tree) + " does not exist");
}

Error scriptError(int err, const std::string& name, ScriptTree tree) {
  const char* what = err == ENOENT ? " does not exist in " : " is invalid in ";
  return errnoError(err, "Script " + name + what + treeName(tree));
}

bool isDir(const std::string& dir) {
  struct stat st{};
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

Result<std::vector<ScriptEntry>> listScripts(const std::string& dir, ScriptTree tree) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) return treeMissing(tree);
    return errnoError(e, std::string("Failed to read event dir for ") + treeName(tree) + " (" +
                             dir + "): " + std::strerror(e));
  }
  std::vector<ScriptEntry> out;
  while (struct dirent* de = ::readdir(d)) {
    if (!eh_is_script_name(de->d_name)) continue;
    struct stat st{};
    std::string path = dir + "/" + de->d_name;
    bool enabled = ::stat(path.c_str(), &st) == 0 && eh_mode_is_enabled(st.st_mode);
    out.push_back(ScriptEntry{de->d_name, enabled});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const ScriptEntry& a, const ScriptEntry& b) {
    return std::strcmp(a.name.c_str(), b.name.c_str()) < 0;
  });
  return out;
}

Status setScriptEnabled(const std::string& dir, ScriptTree tree, const std::string& name,
                        bool enable) {
  if (!isDir(dir)) return treeMissing(tree);
  if (name.empty() || name.find('/') != std::string::npos) return scriptError(ENOENT, name, tree);
  const std::string path = dir + "/" + name;
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT) return scriptError(ENOENT, name, tree);
    return errnoError(e, "Failed to stat " + path + ": " + std::strerror(e));
  }
  if (!eh_is_script_name(name.c_str()) || !S_ISREG(st.st_mode)) {
    return scriptError(EINVAL, name, tree);
  }
  constexpr mode_t kExec = S_IXUSR | S_IXGRP | S_IXOTH;
  mode_t mode = st.st_mode & 07777;
  mode_t wanted = enable ? (mode | kExec) : (mode & ~kExec);
  if (wanted == mode) return {};
  if (::chmod(path.c_str(), wanted) != 0) {
    int e = errno;
    return errnoError(e, std::string("Failed to ") + (enable ? "enable" : "disable") +
                             " script " + name + " in " + treeName(tree) + ": " +
                             std::strerror(e));
  }
  return {};
}

}  // namespace ctdb::event
