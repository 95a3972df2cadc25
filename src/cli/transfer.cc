#include "cli/transfer.h"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/services.h"
#include "intake/demo_data.h"
#include "intake/demo_lists.h"
#include "intake/demo_texts.h"
#include "intake/flag_parser.h"

namespace vigil::cli {
namespace {

using nlohmann::json;

int Fail(const std::string& msg, int code = 2) {
  std::fprintf(stderr, "vigil: %s\n", msg.c_str());
  return SetExit(code);
}

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class Progress {
 public:
  Progress(const char* what, int64_t total) : what_(what), total_(total), tty_(isatty(2)) {}
  void Update(int64_t done) {
    if (!tty_) return;
    if (total_ > 0) {
      int width = 30, filled = static_cast<int>(width * done / std::max<int64_t>(total_, 1));
      std::fprintf(stderr, "\r%s [%s%s] %lld/%lld", what_, std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), static_cast<long long>(done),
                   static_cast<long long>(total_));
    } else {
      std::fprintf(stderr, "\r%s %lld", what_, static_cast<long long>(done));
    }
  }
  ~Progress() {
    if (tty_) std::fprintf(stderr, "\n");
  }

 private:
  const char* what_;
  int64_t total_;
  bool tty_;
};

struct ImportTally {
  int64_t accepted = 0;
  int64_t rejected = 0;
  std::set<int64_t> cases;  // cases the accepted flags joined or opened
};

// Brings the priority of imported cases up to date before the command exits.
void RecomputePriorities(Services& s, const std::set<int64_t>& cases) {
  std::vector<int64_t> ids(cases.begin(), cases.end());
  for (size_t i = 0; i < ids.size(); i += 2000) {
    std::vector<int64_t> chunk(ids.begin() + i, ids.begin() + std::min(ids.size(), i + 2000));
    if (auto st = s.cases->RecomputeNow(chunk); !st)
      std::fprintf(stderr, "vigil: priority recomputation failed: %s\n", st.error().message.c_str());
  }
}

// Feeds NDJSON lines through the intake in chunks; prints rejected lines with their reason.
ImportTally ImportStream(Services& s, std::istream& in, int64_t total_lines) {
  ImportTally tally;
  Progress progress("importing", total_lines);
  std::vector<std::string> chunk;
  size_t line_no = 0, first = 1;
  std::string line;
  auto flush = [&] {
    if (chunk.empty()) return;
    for (const auto& r : s.intake->ImportLines(auth::Principal::Cli(), chunk, first)) {
      if (r.is_null()) continue;  // blank line
      if (r["status"] == 201) {
        ++tally.accepted;
        if (!r.value("scored", false)) tally.cases.insert(r["flag"]["case_id"].get<int64_t>());
      } else {
        ++tally.rejected;
        if (tally.rejected <= 20)
          std::fprintf(stderr, "line %lld: %s\n", static_cast<long long>(r["line"].get<int64_t>()),
                       r["error"]["detail"].get<std::string>().c_str());
      }
    }
    progress.Update(static_cast<int64_t>(line_no));
    first = line_no + 1;
    chunk.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    chunk.push_back(std::move(line));  // blank lines keep their number and yield no result
    if (chunk.size() >= 5000) flush();
  }
  flush();
  return tally;
}

void RegisterImport(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "import", "Import flags from NDJSON (one flag per line, the POST /v1/flags format plus "
                "received_at; `vigil export` output imports as is). Valid lines are stored, "
                "invalid ones reported with their line number (exit 1 if any)");
  auto dir = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>("-");
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--file", *file, "NDJSON file, - for standard input")->capture_default_str();
  cmd->callback([=] {
    auto s = Services::Open(*dir);
    if (!s) return (void)Fail(s.error().field + ": " + s.error().message);
    int64_t total = 0;
    std::ifstream fin;
    if (*file != "-") {
      std::ifstream count(*file);
      if (!count) return (void)Fail("--file: cannot read " + *file);
      std::string l;
      while (std::getline(count, l)) ++total;
      fin.open(*file);
    }
    std::istream& in = *file == "-" ? std::cin : fin;
    auto tally = ImportStream(*s.value(), in, total);
    RecomputePriorities(*s.value(), tally.cases);
    std::printf("imported %lld flags, rejected %lld lines\n",
                static_cast<long long>(tally.accepted), static_cast<long long>(tally.rejected));
    if (tally.rejected) SetExit(1);
  });
}

json FlagExportJson(const store::FlagRow& f, const json& content) {
  json j = {{"id", f.id},
            {"case_id", f.case_id},
            {"received_at", FormatIso8601(f.received_at)},
            {"content", content},
            {"reason", f.reason},
            {"source", ToString(f.source)},
            {"bona_fide", f.bona_fide},
            {"duplicate", f.duplicate},
            {"metadata", json::parse(f.metadata_json.empty() ? "{}" : f.metadata_json)}};
  if (!f.reporter_id.empty()) j["reporter"] = {{"id", f.reporter_id}};
  if (!f.contact_json.empty()) j["reporter"]["contact"] = json::parse(f.contact_json);
  if (!f.explanation.empty()) j["explanation"] = f.explanation;
  if (!f.location_url.empty()) j["location_url"] = f.location_url;
  if (!f.legal_order_json.empty()) j["legal_order"] = json::parse(f.legal_order_json);
  return j;
}

void RegisterExport(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "Export flags (with their content), content items or "
                                           "the event log as NDJSON");
  auto dir = std::make_shared<std::string>();
  auto what = std::make_shared<std::string>("flags");
  auto out_path = std::make_shared<std::string>("-");
  cmd->add_option("--data", *dir, "Data directory")->required();
  cmd->add_option("--what", *what, "flags, content or events")->capture_default_str()
      ->check(CLI::IsMember({"flags", "content", "events"}));
  cmd->add_option("--out", *out_path, "Output file, - for standard output")->capture_default_str();
  cmd->callback([=] {
    auto s = Services::Open(*dir);
    if (!s) return (void)Fail(s.error().field + ": " + s.error().message);
    std::ofstream fout;
    if (*out_path != "-") {
      fout.open(*out_path);
      if (!fout) return (void)Fail("--out: cannot write " + *out_path);
    }
    std::ostream& out = *out_path == "-" ? std::cout : fout;
    auto rtx = s.value()->store->BeginRead();
    int64_t n = 0;
    Progress progress("exporting", *what == "events" ? rtx->CountEvents()
                                                     : *what == "flags" ? rtx->CountFlags() : 0);
    if (*what == "flags") {
      // Content is looked up per flag through a second snapshot; cache the last few items.
      auto ctx = s.value()->store->BeginRead();
      int64_t last_pk = -1;
      json last_content;
      rtx->ScanFlags([&](store::FlagRow& f) {
        if (f.content_pk != last_pk) {
          auto c = ctx->GetContentByPk(f.content_pk);
          last_content = c ? intake::ContentToJson(c->item) : json{{"id", f.content_id}};
          last_pk = f.content_pk;
        }
        out << FlagExportJson(f, last_content).dump() << '\n';
        if (++n % 10000 == 0) progress.Update(n);
        return true;
      });
    } else if (*what == "content") {
      rtx->ScanContent([&](store::ContentRow& c) {
        json j = intake::ContentToJson(c.item);
        j["received_at"] = FormatIso8601(c.received_at);
        out << j.dump() << '\n';
        ++n;
        return true;
      });
    } else {
      rtx->ScanEvents(1, [&](events::Event& e) {
        out << json{{"seq", e.seq},
                    {"ts", FormatIso8601(e.ts)},
                    {"type", e.type},
                    {"subject", e.subject},
                    {"actor", e.actor},
                    {"payload", json::parse(e.payload)},
                    {"prev_hash", events::ToHex(e.prev_hash)},
                    {"hash", events::ToHex(e.hash)}}
                   .dump()
            << '\n';
        if (++n % 10000 == 0) progress.Update(n);
        return true;
      });
    }
    progress.Update(n);
    out.flush();
    std::fprintf(stderr, "exported %lld %s\n", static_cast<long long>(n), what->c_str());
  });
}

// Decides a share of the demo's open cases the way a senior reviewer would: violations
// removed, the rest no_violation, 5% the other way (reviewers and labels disagree), through the
// case service like any decision. Child-safety and legal cases are left for their specialists.
// Gives `vigil analysis report` decided cases to compare the starter lists with.
size_t DecideDemoCases(Services& s, const intake::DemoDataSet& data, double share, uint64_t seed) {
  std::map<std::string, bool> violates(data.violations.begin(), data.violations.end());
  auto user = s.store->BeginRead()->FindUserByName("senior.sam");
  if (!user || share <= 0) return 0;
  auth::Principal reviewer;
  reviewer.kind = auth::Principal::Kind::kSession;
  reviewer.user_id = user->id, reviewer.user_name = user->name, reviewer.role = user->role;
  reviewer.teams = user->teams;
  intake::demo::Rng rng(seed ^ 0x5eedULL);
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0, decided = 0;
  store::CaseFilter f;
  f.status = "open", f.limit = 500;
  for (;;) {
    auto page = s.store->BeginRead()->ListCases(f);
    if (page.empty()) break;
    f.after_id = page.back().id;
    for (const auto& c : page) {
      auto truth = violates.find(c.content_id);
      if (truth == violates.end() || c.queue == "child_safety" || c.queue == "legal") continue;
      if (!rng.Chance(share)) continue;
      bool remove = truth->second != rng.Chance(0.05);
      cases::DecisionInput d;
      d.actions = {{remove ? "remove" : "no_violation", std::nullopt, {}}};
      d.case_version = c.version;
      d.explanation =
          remove ? "Violates the policy (demo decision)" : "No violation (demo decision)";
      {
        std::lock_guard lock(mu);
        ++pending;
      }
      s.cases->Decide(reviewer, c.id, std::move(d), [&](Result<nlohmann::json> r) {
        std::lock_guard lock(mu);
        decided += r.ok();
        if (--pending == 0) cv.notify_all();
      });
    }
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return pending == 0; });
  return decided;
}

struct DemoUser {
  const char* name;
  Role role;
  const char* teams;
};

void RegisterDemo(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo", "Load a realistic synthetic data set: thousands of content items and flags across "
              "categories and languages, trusted flaggers, legal orders, abusive mass-reporters "
              "and a burst of near-identical posts; plus one demo user per role");
  auto dir = std::make_shared<std::string>();
  auto items = std::make_shared<int64_t>(3000);  // signed: "-5" is refused, not wrapped around
  auto seed = std::make_shared<uint64_t>(42);
  auto if_empty = std::make_shared<bool>(false);
  auto password = std::make_shared<std::string>("vigil-demo-password");
  cmd->add_option("--data", *dir, "Data directory (created by vigil init)")->required();
  cmd->add_option("--items", *items, "Number of content items")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}))
      ->capture_default_str();
  cmd->add_option("--seed", *seed, "Random seed (same seed, same data)")->capture_default_str();
  cmd->add_option("--password", *password, "Password of the demo users")->capture_default_str();
  cmd->add_flag("--if-empty", *if_empty, "Do nothing when the data directory already has flags");
  auto decided = std::make_shared<double>(0.2);
  cmd->add_option(
         "--decided", *decided,
         "Share of the open cases a demo senior reviewer decides (for vigil analysis report)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->callback([=] {
    auto opened = Services::Open(*dir);
    if (!opened) return (void)Fail(opened.error().field + ": " + opened.error().message);
    Services& s = *opened.value();
    // Starter term lists, so the demo's analysis and `vigil analysis report` find something;
    // a data directory that has lists of its own keeps them.
    auto lists = intake::InstallStarterLists(*dir + "/lists");
    if (!lists) return (void)Fail(lists.error().field + ": " + lists.error().message);
    if (*lists > 0)
      std::printf("installed %d starter term lists into %s/lists\n", *lists, dir->c_str());
    if (*if_empty && s.store->BeginRead()->CountFlags() > 0) {
      std::printf("demo data already loaded in %s\n", dir->c_str());
      return;
    }
    static const DemoUser kUsers[] = {
        {"agent.alex", Role::kAgent, "trust-safety"},
        {"agent.bo", Role::kAgent, "child-safety"},
        {"senior.sam", Role::kSenior, "trust-safety,child-safety"},
        {"qa.quinn", Role::kQa, "trust-safety"},
        {"legal.lee", Role::kLegal, "legal"},
        {"eng.eli", Role::kEngineering, ""},
        {"demo-platform", Role::kIntegration, ""},
    };
    for (const auto& u : kUsers) {
      std::vector<std::string> teams;
      std::string t = u.teams;
      for (size_t p = 0; p < t.size();) {
        size_t c = t.find(',', p);
        if (c == std::string::npos) c = t.size();
        teams.push_back(t.substr(p, c - p));
        p = c + 1;
      }
      std::string pw = u.role == Role::kIntegration ? "" : *password;
      auto r = s.accounts->EnsureUser(auth::Principal::Cli(), {u.name, u.role, pw, teams});
      if (!r) return (void)Fail(r.error().field + ": " + r.error().message);
    }
    intake::DemoOptions opts;
    opts.seed = *seed;
    opts.content_items = static_cast<size_t>(*items);
    opts.now = s.clock->Now();
    auto data = intake::GenerateDemoData(opts);
    std::vector<std::string> lines;
    lines.reserve(data.flags.size());
    for (const auto& f : data.flags) lines.push_back(f.dump());
    int64_t accepted = 0, rejected = 0;
    std::set<int64_t> cases;
    Progress progress("loading demo", static_cast<int64_t>(lines.size()));
    for (size_t i = 0; i < lines.size(); i += 5000) {
      std::vector<std::string> chunk(lines.begin() + i,
                                     lines.begin() + std::min(lines.size(), i + 5000));
      for (const auto& r : s.intake->ImportLines(auth::Principal::Cli(), chunk, i + 1)) {
        if (r["status"] == 201) {
          ++accepted;
          if (!r.value("scored", false)) cases.insert(r["flag"]["case_id"].get<int64_t>());
        } else {
          ++rejected;
          if (rejected <= 5) std::fprintf(stderr, "demo line rejected: %s\n", r.dump().c_str());
        }
      }
      progress.Update(static_cast<int64_t>(std::min(lines.size(), i + 5000)));
    }
    RecomputePriorities(s, cases);
    size_t decisions = DecideDemoCases(s, data, *decided, *seed);
    std::printf(
        "demo data loaded into %s: %lld flags on %lld content items (%lld rejected), "
        "%zu cases decided\n",
        dir->c_str(), static_cast<long long>(accepted), static_cast<long long>(*items),
        static_cast<long long>(rejected), decisions);
    std::printf("demo users (password '%s'): agent.alex, agent.bo, senior.sam, qa.quinn, "
                "legal.lee, eng.eli; integration client: demo-platform "
                "(vigil token create --data %s --user demo-platform)\n",
                password->c_str(), dir->c_str());
    if (rejected) SetExit(1);
  });
}

}  // namespace

void RegisterTransfer(CLI::App& app) {
  RegisterImport(app);
  RegisterExport(app);
  RegisterDemo(app);
}

}  // namespace vigil::cli
