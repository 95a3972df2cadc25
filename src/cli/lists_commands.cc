#include "cli/lists_commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "analysis/term_lists.h"
#include "cli/transfer.h"  // SetExit

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;
using analysis::TermList;

int ListFail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  return SetExit(code);
}

std::string ErrorText(const Error& e) { return (e.field.empty() ? "" : e.field + ": ") + e.message; }

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text;
}

// Parses a list file; errors are prefixed with the file name ("f.list: line 3: ...").
Result<TermList> ParseFile(const std::string& path, std::string* text_out = nullptr) {
  auto text = ReadFile(path);
  if (!text) return text.error();
  if (text->size() > analysis::kMaxListFileBytes) return Error::Invalid(path, "larger than 64 MiB");
  auto list = analysis::ParseTermList(text.value(), fs::path(path).stem().string());
  if (!list) return Error::Invalid(path + ": " + list.error().field, list.error().message);
  if (text_out) *text_out = std::move(text.value());
  return list;
}

void RegisterCheck(CLI::App& lists) {
  auto* cmd = lists.add_subcommand("check", "Parse and compile list files without installing them; "
                                            "errors name the file, line and reason (exit 1)");
  auto files = std::make_shared<std::vector<std::string>>();
  cmd->add_option("files", *files, "List files")->required();
  cmd->callback([=] {
    std::vector<TermList> parsed;
    for (const auto& f : *files) {
      auto list = ParseFile(f);
      if (!list) return (void)ListFail(ErrorText(list.error()));
      parsed.push_back(std::move(list.value()));
    }
    auto compiled = analysis::TermMatcher::Compile(parsed);
    if (!compiled) return (void)ListFail(ErrorText(compiled.error()));
    for (size_t i = 0; i < parsed.size(); ++i)
      std::printf("%s: ok, list %s, %zu entries\n", (*files)[i].c_str(), parsed[i].name.c_str(),
                  parsed[i].entries.size());
    std::printf("%zu patterns compiled\n", compiled.value()->pattern_count());
  });
}

void RegisterImport(CLI::App& lists) {
  auto* cmd = lists.add_subcommand("import", "Install a list file into DIR/lists (replacing the list of "
                                             "the same name) after checking that every list still compiles");
  auto dir = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--file", *file, "List file to import")->required();
  cmd->callback([=] {
    if (!fs::is_directory(*dir)) return (void)ListFail("--data: " + *dir + " is not a data directory", 2);
    std::string text;
    auto list = ParseFile(*file, &text);
    if (!list) return (void)ListFail(ErrorText(list.error()));
    std::string lists_dir = *dir + "/lists";
    auto existing = analysis::LoadListDirectory(lists_dir);
    if (!existing) return (void)ListFail("installed lists: " + ErrorText(existing.error()));
    std::vector<TermList> all;
    for (auto& l : existing.value())
      if (l.name != list->name) all.push_back(std::move(l));
    size_t entries = list->entries.size();
    std::string name = list->name;
    all.push_back(std::move(list.value()));
    auto compiled = analysis::TermMatcher::Compile(std::move(all));
    if (!compiled) return (void)ListFail(ErrorText(compiled.error()));
    std::error_code ec;
    fs::create_directories(lists_dir, ec);
    // The server may reload at any moment: write aside, then rename over the old file.
    std::string target = lists_dir + "/" + name + ".list", tmp = target + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out.flush()) return (void)ListFail("cannot write " + tmp, 2);
    }
    fs::rename(tmp, target, ec);
    if (ec) return (void)ListFail("cannot install " + target + ": " + ec.message(), 2);
    std::printf("imported list %s (%zu entries) into %s\n"
                "a running server applies it on POST /v1/lists:reload\n",
                name.c_str(), entries, target.c_str());
  });
}

void RegisterExport(CLI::App& lists) {
  auto* cmd = lists.add_subcommand("export", "Print installed lists in the list file format");
  auto dir = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto out_path = std::make_shared<std::string>();
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--name", *name, "Only this list");
  cmd->add_option("--out", *out_path, "Write to this file instead of stdout");
  cmd->callback([=] {
    auto lists = analysis::LoadListDirectory(*dir + "/lists");
    if (!lists) return (void)ListFail(ErrorText(lists.error()));
    std::string text;
    bool found = false;
    for (const auto& l : lists.value()) {
      if (!name->empty() && l.name != *name) continue;
      found = true;
      text += (text.empty() ? "" : "\n") + analysis::FormatTermList(l);
    }
    if (!name->empty() && !found) return (void)ListFail("--name: no list named " + *name);
    if (out_path->empty()) {
      std::cout << text;
      return;
    }
    std::ofstream out(*out_path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return (void)ListFail("--out: cannot write " + *out_path, 2);
  });
}

void RegisterNormalize(CLI::App& lists) {
  auto* cmd = lists.add_subcommand("normalize", "Print the normalized form of a text: what list "
                                                "entries and regular expressions are matched against");
  auto text = std::make_shared<std::string>();
  cmd->add_option("text", *text, "Text")->required();
  cmd->callback([=] { std::printf("%s\n", analysis::Normalizer::Normalize(*text).text.c_str()); });
}

}  // namespace

void RegisterLists(CLI::App& app) {
  auto* lists = app.add_subcommand("lists", "Term and domain lists of the automated analysis");
  lists->require_subcommand(1);
  RegisterCheck(*lists);
  RegisterImport(*lists);
  RegisterExport(*lists);
  RegisterNormalize(*lists);
}

}  // namespace vigil::cli
