// Reads the YAML configuration file into a Layer. yaml-cpp throws; every
// exception stops here and becomes a Status.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/key_table.h"
#include "config/layers.h"
#include "config/yaml_node.h"

namespace metrify::config {
namespace {

// Walks the parsed document. Holds the path and the problem list so the
// per-node functions stay short.
class FileWalker {
 public:
  // `problems` must outlive the walker.
  FileWalker(const std::string& path, std::vector<std::string>* problems)
      : path_(path), problems_(problems) {}

  void WalkRoot(const YAML::Node& root);
  Layer Take() { return std::move(layer_); }

 private:
  void WalkSection(const std::string& section, const YAML::Node& node);
  void AddValue(const std::string& key, const YAML::Node& key_node, const YAML::Node& value);
  // True when `key` is new; otherwise reports the duplicate.
  bool FirstTime(const std::string& key, const YAML::Node& key_node);
  void UnknownKey(const std::string& key, const YAML::Node& key_node);
  void NotAName(const YAML::Node& key_node);
  ValueSource Source(const YAML::Node& node) const;
  void Problem(const std::string& key, std::string_view what, const YAML::Node& node);

  const std::string path_;
  std::vector<std::string>* problems_;
  std::set<std::string> seen_;
  Layer layer_;
};

void FileWalker::WalkRoot(const YAML::Node& root) {
  if (root.IsNull()) return;  // an empty file sets nothing
  if (!root.IsMap()) {
    problems_->push_back(fmt::format("{}: expected a map of sections and keys at the top, got {}",
                                     path_, YamlShape(root)));
    return;
  }
  for (const auto& item : root) {
    const std::string name = item.first.Scalar();
    if (!item.first.IsScalar()) {
      NotAName(item.first);
    } else if (FindKey(name) != nullptr) {
      AddValue(name, item.first, item.second);
    } else if (IsSection(name)) {
      if (FirstTime(name, item.first)) WalkSection(name, item.second);
    } else {
      UnknownKey(name, item.first);
    }
  }
}

void FileWalker::WalkSection(const std::string& section, const YAML::Node& node) {
  if (node.IsNull()) return;  // "server:" with every key commented out
  if (!node.IsMap()) {
    Problem(section, fmt::format("expected a section (a map of keys), got {}", YamlShape(node)),
            node);
    return;
  }
  for (const auto& item : node) {
    const std::string key = section + "." + item.first.Scalar();
    if (!item.first.IsScalar()) {
      NotAName(item.first);
    } else if (FindKey(key) != nullptr) {
      AddValue(key, item.first, item.second);
    } else {
      UnknownKey(key, item.first);
    }
  }
}

void FileWalker::AddValue(const std::string& key, const YAML::Node& key_node,
                          const YAML::Node& value) {
  if (!FirstTime(key, key_node)) return;
  if (!value.IsScalar() && !value.IsNull()) {
    Problem(key, fmt::format("expected a single value, got {}", YamlShape(value)), key_node);
    return;
  }
  // A null ("key:" or "key: ~") reads as empty text: fine for strings, an
  // error that names the key for everything else.
  layer_[key] = RawValue{value.IsNull() ? "" : value.Scalar(), Source(key_node)};
}

bool FileWalker::FirstTime(const std::string& key, const YAML::Node& key_node) {
  if (seen_.insert(key).second) return true;
  Problem(key, "given more than once", key_node);
  return false;
}

void FileWalker::UnknownKey(const std::string& key, const YAML::Node& key_node) {
  std::string message =
      fmt::format("unknown key \"{}\" in {} (line {})", key, path_, YamlLine(key_node));
  std::string suggestion = SuggestKey(key);
  if (!suggestion.empty()) message += fmt::format("; did you mean \"{}\"?", suggestion);
  problems_->push_back(std::move(message));
}

void FileWalker::NotAName(const YAML::Node& key_node) {
  problems_->push_back(fmt::format("{} line {}: expected a key name, got {}", path_,
                                   YamlLine(key_node), YamlShape(key_node)));
}

ValueSource FileWalker::Source(const YAML::Node& node) const {
  return ValueSource{.kind = ValueSource::Kind::kFile, .path = path_, .line = YamlLine(node)};
}

void FileWalker::Problem(const std::string& key, std::string_view what, const YAML::Node& node) {
  problems_->push_back(fmt::format("{}: {} (from {})", key, what, Source(node).ToString()));
}

}  // namespace

Result<Layer> ReadFileLayer(const std::string& path, std::vector<std::string>* problems) {
  METRIFY_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, "config file"));
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(
        fmt::format("{} line {}: invalid YAML: {}", path, e.mark.line + 1, e.msg));
  }
  FileWalker walker(path, problems);
  try {
    walker.WalkRoot(root);
  } catch (const YAML::Exception& e) {  // not expected after a clean parse
    return Status::InvalidArgument(fmt::format("{} line {}: {}", path, e.mark.line + 1, e.msg));
  }
  return walker.Take();
}

Result<std::string> ReadTextFile(const std::string& path, std::string_view what) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return Status::IOError(fmt::format("cannot read {} {}: it is a directory", what, path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError(fmt::format("cannot read {} {}: {}", what, path, strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError(fmt::format("cannot read {} {}", what, path));
  return text.str();
}

}  // namespace metrify::config
