#include "cli/commands.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/analysis_commands.h"
#include "cli/case_commands.h"
#include "cli/classifier_commands.h"
#include "cli/lists_commands.h"
#include "cli/policy_commands.h"
#include "cli/services.h"
#include "cli/transfer.h"
#include "core/fsync.h"
#include "events/audit.h"
#include "http/api.h"
#include "http/server.h"
#include "store/sqlite_backup.h"

namespace vigil::cli {
namespace {

int g_exit = 0;

int Fail(const std::string& msg, int code = 2) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  g_exit = code;
  return code;
}

int Fail(const Error& e, int code = 2) {
  return Fail((e.field.empty() ? "" : e.field + ": ") + e.message, code);
}

std::unique_ptr<Services> OpenOrFail(const std::string& dir) {
  auto s = Services::Open(dir);
  if (!s) {
    Fail(s.error());
    return nullptr;
  }
  return std::move(s.value());
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t c = s.find(',', start);
    if (c == std::string::npos) c = s.size();
    if (c > start) out.push_back(s.substr(start, c - start));
    start = c + 1;
  }
  return out;
}

std::string ReadSecretFromStdinOrGenerate(const std::string& given) {
  return given.empty() ? auth::NewSecret("") : given;
}

void RegisterInit(CLI::App& app) {
  auto* cmd = app.add_subcommand("init", "Create a data directory with default configuration "
                                         "and an admin user (idempotent)");
  auto dir = std::make_shared<std::string>();
  auto admin = std::make_shared<std::string>("admin");
  auto password = std::make_shared<std::string>();
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--admin", *admin, "Name of the admin user")->capture_default_str();
  cmd->add_option("--password", *password,
                  "Admin password (>= 10 characters); a random one is printed when omitted");
  cmd->callback([=] {
    if (auto st = InitDataDir(*dir); !st) return (void)Fail(st.error());
    auto s = OpenOrFail(*dir);
    if (!s) return;
    std::string pw = ReadSecretFromStdinOrGenerate(*password);
    auto created = s->accounts->EnsureUser(auth::Principal::Cli(),
                                           {*admin, Role::kAdmin, pw, {"trust-safety"}});
    if (!created) return (void)Fail(created.error());
    if (created.value()) {
      std::printf("initialised %s (schema version %d)\nadmin user: %s\n", dir->c_str(),
                  s->store->SchemaVersion(), admin->c_str());
      if (password->empty()) std::printf("admin password: %s\n", pw.c_str());
    } else {
      std::printf("%s is already initialised (schema version %d)\n", dir->c_str(),
                  s->store->SchemaVersion());
    }
  });
}

void RegisterServe(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Serve the HTTP API (and console) until SIGINT/SIGTERM");
  auto dir = std::make_shared<std::string>();
  auto listen = std::make_shared<std::string>();
  auto ready = std::make_shared<std::string>();
  auto test_clock = std::make_shared<bool>(false);
  cmd->add_option("--data", *dir, "Data directory (created by vigil init)")->required();
  cmd->add_flag("--test-clock", *test_clock,
                "Testing only: time stands still until POST /v1/test/clock moves it (SLA tests)");
  cmd->add_option("--listen", *listen, "host:port to listen on (default from vigil.yaml, "
                                       "127.0.0.1:8080); port 0 picks a free port");
  cmd->add_option("--ready-file", *ready,
                  "Write the bound host:port to this file once listening (for scripts)");
  cmd->callback([=] {
    // Block the stop signals in every thread; the main thread waits for them below.
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    Services::Options opts;
    opts.test_clock = *test_clock;
    opts.sla_sweeps = true;
    opts.automation = true;
    auto opened = Services::Open(*dir, opts);
    if (!opened) return (void)Fail(opened.error());
    auto& s = opened.value();
    http::Server server(s->config, *s->authn, *s->accounts);
    http::AddApiRoutes(server, *s);
    auto bound = server.Start(listen->empty() ? s->config.listen : *listen);
    if (!bound) return (void)Fail(bound.error());
    if (!ready->empty()) {
      std::string tmp = *ready + ".tmp";
      std::ofstream(tmp) << bound.value() << "\n";
      std::rename(tmp.c_str(), ready->c_str());
    }
    spdlog::info("vigil serving http://{} (data {})", bound.value(), *dir);
    int sig = 0;
    sigwait(&sigs, &sig);
    spdlog::info("signal {}: stopping", sig);
    server.Stop();
  });
}

void RegisterUser(CLI::App& app) {
  auto* user = app.add_subcommand("user", "Manage users (agents, seniors, QA, legal, "
                                          "engineering, admins, integration clients)");
  user->require_subcommand(1);
  {
    auto* cmd = user->add_subcommand("add", "Add a user");
    auto dir = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    auto password = std::make_shared<std::string>();
    auto teams = std::make_shared<std::string>();
    cmd->add_option("--data", *dir, "Data directory")->required();
    cmd->add_option("--name", *name, "User name (a-z 0-9 . _ -)")->required();
    cmd->add_option("--role", *role,
                    "agent, senior, qa, legal, engineering, admin or integration")->required();
    cmd->add_option("--password", *password,
                    "Console password (>= 10 characters); omit for integration clients");
    cmd->add_option("--teams", *teams, "Comma-separated teams (queues they serve, see vigil.yaml)");
    cmd->callback([=] {
      auto r = ParseRole(*role);
      if (!r) return (void)Fail("--role: must be one of agent, senior, qa, legal, engineering, "
                                "admin, integration");
      auto s = OpenOrFail(*dir);
      if (!s) return;
      auto row = s->accounts->CreateUser(auth::Principal::Cli(),
                                         {*name, *r, *password, SplitComma(*teams)});
      if (!row) return (void)Fail(row.error());
      std::printf("added user %s (id %lld, role %s)\n", row->name.c_str(),
                  static_cast<long long>(row->id), role->c_str());
    });
  }
  for (bool disable : {true, false}) {
    auto* cmd = user->add_subcommand(disable ? "disable" : "enable",
                                     disable ? "Disable a user (revokes their sessions at once)"
                                             : "Enable a disabled user");
    auto dir = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    cmd->add_option("--data", *dir, "Data directory")->required();
    cmd->add_option("--name", *name, "User name")->required();
    cmd->callback([=] {
      auto s = OpenOrFail(*dir);
      if (!s) return;
      if (auto st = s->accounts->SetDisabled(auth::Principal::Cli(), *name, disable); !st)
        return (void)Fail(st.error());
      std::printf("%s %s\n", disable ? "disabled" : "enabled", name->c_str());
    });
  }
  {
    auto* cmd = user->add_subcommand("list", "List users");
    auto dir = std::make_shared<std::string>();
    cmd->add_option("--data", *dir, "Data directory")->required();
    cmd->callback([=] {
      auto s = OpenOrFail(*dir);
      if (!s) return;
      auto rtx = s->store->BeginRead();
      for (const auto& u : rtx->ListUsers()) {
        std::string teams;
        for (const auto& t : u.teams) teams += (teams.empty() ? "" : ",") + t;
        std::printf("%-20s %-12s %-24s %s\n", u.name.c_str(), std::string(ToString(u.role)).c_str(),
                    teams.c_str(), u.disabled ? "disabled" : "active");
      }
    });
  }
}

void RegisterToken(CLI::App& app) {
  auto* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto* cmd = token->add_subcommand("create", "Create an API token for a user; prints only the token");
  auto dir = std::make_shared<std::string>();
  auto user = std::make_shared<std::string>();
  auto label = std::make_shared<std::string>();
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--user", *user, "User (or integration client) the token acts as")->required();
  cmd->add_option("--label", *label, "What the token is for");
  cmd->callback([=] {
    auto s = OpenOrFail(*dir);
    if (!s) return;
    auto t = s->accounts->CreateToken(auth::Principal::Cli(), *user, *label);
    if (!t) return (void)Fail(t.error());
    std::printf("%s\n", t->token.c_str());
  });
  auto* rev = token->add_subcommand("revoke", "Revoke an API token by id");
  auto rdir = std::make_shared<std::string>();
  auto id = std::make_shared<int64_t>(0);
  rev->add_option("--data", *rdir, "Data directory")->required();
  rev->add_option("--id", *id, "Token id")->required();
  rev->callback([=] {
    auto s = OpenOrFail(*rdir);
    if (!s) return;
    if (auto st = s->accounts->RevokeToken(auth::Principal::Cli(), *id); !st)
      return (void)Fail(st.error());
    std::printf("revoked token %lld\n", static_cast<long long>(*id));
  });
}

void RegisterAudit(CLI::App& app) {
  auto* audit = app.add_subcommand("audit", "Audit the event log");
  audit->require_subcommand(1);
  auto* cmd = audit->add_subcommand(
      "verify",
      "Verify the hash chain of the event log, the flag projection and that every row's "
      "references (case, content, account, event) find their row; exits 0 when intact, 1 naming "
      "the first bad sequence number or what is missing otherwise");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->callback([=] {
    auto s = OpenOrFail(*dir);
    if (!s) return;
    auto rtx = s->store->BeginRead();
    auto report = events::VerifyStore(*rtx);
    if (report.ok()) {
      std::printf("%s\n", report.Summary().c_str());
    } else {
      Fail(report.Summary(), 1);
    }
  });
}

// fsync of every file and folder under `root` (and itself); throws std::runtime_error.
void SyncTree(const std::filesystem::path& root) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
    if (!entry.is_symlink()) FsyncPath(entry.path().string(), entry.is_directory());
  FsyncPath(root.string(), /*directory=*/true);
}

// `vigil backup`: the database as of one instant (store::BackupSqliteDatabase) and the files
// beside it, into a new directory that `vigil serve --data` takes as it is.
void RegisterBackup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "backup",
      "Copy a data directory, also while `vigil serve` runs on it: the database as of one "
      "instant (writers go on meanwhile) and the configuration files, into a new directory that "
      "`vigil serve --data` can use as it is. The copy's event log is verified unless "
      "--no-verify; the log's head (last sequence number and hash) is printed to record");
  auto dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto no_verify = std::make_shared<bool>(false);
  cmd->add_option("--data", *dir, "Data directory to copy")->required();
  cmd->add_option("--out", *out, "Directory to create for the copy (absent or empty)")->required();
  cmd->add_flag("--no-verify", *no_verify,
                "Skip verifying the copy's event log (hash chain, flags, references)");
  cmd->callback([=] {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(*dir) / "vigil.yaml", ec) ||
        !fs::is_regular_file(fs::path(*dir) / "vigil.db", ec))
      return (void)Fail("--data: " + *dir +
                        " is not a Vigil data directory (`vigil init` makes one)");
    if (fs::exists(*out, ec) && (!fs::is_directory(*out, ec) || !fs::is_empty(*out, ec)))
      return (void)Fail(
          "--out: " + *out +
          " exists and is not an empty directory; a backup never writes over anything");
    const fs::path data = fs::weakly_canonical(*dir), copy = fs::weakly_canonical(*out);
    auto [d, c] = std::mismatch(data.begin(), data.end(), copy.begin(), copy.end());
    if (d == data.end() || c == copy.end())
      return (void)Fail("--out: " + *out + " must lie outside the data directory " + *dir);
    const bool created = !fs::exists(copy, ec);
    auto fail = [&](const std::string& why) {  // nothing half-made is left behind
      if (created) {
        fs::remove_all(copy, ec);
      } else {
        for (const auto& entry : fs::directory_iterator(copy, ec)) fs::remove_all(entry, ec);
      }
      Fail(why, 1);
    };
    const auto start = std::chrono::steady_clock::now();
    store::BackupReport r;
    try {
      fs::create_directories(copy);
      fs::permissions(copy, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
      r = store::BackupSqliteDatabase(data.string(), (copy / "vigil.db").string());
      // Everything else in the data directory (configuration, policies, lists, models), as it is
      // now; the database's own files are the copy just made.
      for (const auto& entry : fs::directory_iterator(data)) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("vigil.db")) continue;
        fs::copy(entry.path(), copy / name,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
      }
      SyncTree(copy);  // the database synced itself; the files beside it too, and the folders
    } catch (const std::exception& e) {
      return fail(std::string("backup failed: ") + e.what());
    }
    std::string verified = "not verified (--no-verify)";
    if (!*no_verify) {
      try {
        store::SqliteReadOnly db(copy.string());  // read as it is: nothing migrated or mapped
        auto rtx = db.BeginRead();
        auto report = events::VerifyStore(*rtx);
        if (!report.ok() || report.chain.events_checked != r.head_seq)
          return fail("the copy does not verify: " + report.Summary());
        verified = "verified: " + report.Summary();
      } catch (const std::exception& e) {
        return fail(std::string("verifying the copy failed: ") + e.what());
      }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("backed up %s to %s in %.1f s\n", data.c_str(), copy.c_str(), secs);
    std::printf("  database: %.1f MB, %lld events, %lld flags\n",
                static_cast<double>(r.bytes) / 1e6, static_cast<long long>(r.events),
                static_cast<long long>(r.flags));
    std::printf("  event log head: seq %lld, hash %s\n", static_cast<long long>(r.head_seq),
                events::ToHex(r.head_hash).c_str());
    std::printf("  %s\n", verified.c_str());
  });
}

}  // namespace

int ExitCode() { return g_exit; }

void Register(CLI::App& app) {
  RegisterInit(app);
  RegisterServe(app);
  RegisterUser(app);
  RegisterToken(app);
  RegisterAudit(app);
  RegisterBackup(app);
  RegisterTransfer(app);  // import, export, demo
  RegisterCase(app);        // list, show, next, decide, escalate, ... through the API
  RegisterLists(app);       // lists check, import, export, normalize
  RegisterClassifier(app);  // classifier train, list, eval, predict
  RegisterPolicy(app);      // policy check, render, eval
  RegisterAnalysis(app);    // analysis report
}

int SetExit(int code) { return g_exit = code; }

}  // namespace vigil::cli
