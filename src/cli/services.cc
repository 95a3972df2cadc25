#include "cli/services.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/fsync.h"
#include "policy/starter.h"
#include "store/sqlite_db.h"

namespace vigil {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

Status WriteIfMissing(const std::string& path, const char* text) {
  if (Exists(path)) return OkStatus();
  std::ofstream out(path);
  out << text;
  if (!out) return Error::Internal("cannot write " + path);
  return OkStatus();
}

// The starter library, only into a directory that does not exist yet: a deployment that
// removed or replaced the starter policies keeps its choice.
Status SeedPolicies(const std::string& dir) {
  if (Exists(dir)) return OkStatus();
  if (mkdir(dir.c_str(), 0750) != 0) return Error::Internal("cannot create " + dir);
  for (const auto& p : policy::StarterPolicies()) {
    std::string path = dir + "/" + std::string(p.file);
    std::ofstream out(path, std::ios::binary);
    out << p.text;
    if (!out) return Error::Internal("cannot write " + path);
  }
  return OkStatus();
}

}  // namespace

Status InitDataDir(const std::string& data_dir) {
  if (!Exists(data_dir) && mkdir(data_dir.c_str(), 0750) != 0)
    return Error::Invalid("--data", "cannot create " + data_dir);
  if (auto s = WriteIfMissing(data_dir + "/vigil.yaml", Config::DefaultYaml()); !s) return s;
  if (auto s = WriteIfMissing(data_dir + "/queues.yaml", cases::QueueConfig::DefaultYaml()); !s)
    return s;
  if (auto s = WriteIfMissing(data_dir + "/notices.yaml", notify::NoticeTemplates::DefaultYaml());
      !s)
    return s;
  if (auto s = WriteIfMissing(data_dir + "/taxonomy.yaml", Taxonomy::DefaultYaml()); !s) return s;
  return SeedPolicies(data_dir + "/policies");
}

Result<std::unique_ptr<Services>> Services::Open(const std::string& data_dir) {
  return Open(data_dir, Options{});
}

Result<std::unique_ptr<Services>> Services::Open(const std::string& data_dir,
                                                  const Options& opts) {
  if (!Exists(data_dir + "/vigil.yaml"))
    return Error::Invalid("--data", data_dir + " is not a Vigil data directory (run vigil init)");
  auto s = std::make_unique<Services>();
  s->data_dir = data_dir;
  if (opts.test_clock) {
    s->test_clock = std::make_unique<ManualClock>(SystemClock::Instance().Now());
    s->clock = s->test_clock.get();
  }
  auto config = Config::Load(data_dir);
  if (!config) return config.error();
  s->config = std::move(config.value());
  std::ifstream tin(data_dir + "/taxonomy.yaml");
  if (tin) {
    std::stringstream ss;
    ss << tin.rdbuf();
    auto t = Taxonomy::FromYaml(ss.str());
    if (!t) {
      Error e = t.error();
      e.message = data_dir + "/taxonomy.yaml: " + e.field + ": " + e.message;
      return e;
    }
    s->taxonomy = std::move(t.value());
  } else {
    s->taxonomy = Taxonomy::Default();
  }
  if (auto st = s->ReloadQueues(); !st) return st.error();
  try {
    s->store = store::OpenSqliteStore(data_dir);
  } catch (const store::StoreError& e) {
    return Error{ErrorCode::kUnavailable, "--data", e.what()};
  }
  store::GroupCommitter::Options wopts;
  wopts.max_group = s->config.max_group_commit;
  wopts.max_wait = std::chrono::milliseconds(s->config.background_max_wait_ms);
  s->writer = std::make_unique<store::GroupCommitter>(*s->store, wopts);
  // Versions live in the store; changed files in DATA/policies become new versions here.
  s->policies = std::make_unique<policy::PolicyLibrary>(data_dir + "/policies", *s->store,
                                                        *s->writer, *s->clock);
  if (auto st = s->policies->Reload(); !st) return st.error();
  s->authn = std::make_unique<auth::Authenticator>(*s->store, *s->clock);
  s->accounts = std::make_unique<auth::Accounts>(*s->writer, s->authn.get(), *s->clock);
  s->intake = std::make_unique<intake::Intake>(*s->writer, s->taxonomy, s->config, *s->clock);
  s->cases = std::make_unique<cases::CaseService>(*s->store, *s->writer, s->taxonomy, s->config,
                                                  *s->clock);
  s->intake->SetCaseChangedHook([c = s->cases.get()](int64_t id) { c->MarkDirty(id); });
  s->intake->SetRouter([svc = s.get()](const Flag& f, const Reason& r) {
    cases::RouteInput in;
    in.reason = r.code;
    in.dsa_category = r.dsa_category;
    in.severity = r.severity;
    in.source = f.source;
    if (f.content) {
      in.language = f.content->language;
      in.content_type = f.content->type;
    }
    return svc->Queues()->Route(in);
  });
  s->intake->SetScorer([svc = s.get()](const Flag& f, const Reason& r, Millis received,
                                        Millis now) { return svc->cases->ScoreNewCase(f, r, received, now); });
  s->sla = std::make_unique<cases::SlaSweeper>(
      *s->store, *s->writer, s->taxonomy, [svc = s.get()] { return svc->Queues(); }, *s->clock,
      opts.sla_sweeps && !opts.test_clock ? s->config.sla_sweep_ms : 0);
  s->outbox = std::make_unique<notify::OutboxWorker>(*s->store, *s->writer, *s->clock,
                                                     notify::RetryPolicy{},
                                                     opts.sla_sweeps ? 200 : 0);
  s->cases->SetOutboxHook([o = s->outbox.get()] { o->Wake(); });
  if (std::ifstream nin(data_dir + "/notices.yaml"); nin) {
    std::stringstream ss;
    ss << nin.rdbuf();
    auto t = notify::NoticeTemplates::FromYaml(ss.str());
    if (!t) {
      Error e = t.error();
      e.message = data_dir + "/notices.yaml: " + e.field + ": " + e.message;
      return e;
    }
    s->cases->notices().Set(std::move(t.value()));
  }
  s->intake->SetReceipts(&s->cases->notices(), [o = s->outbox.get()] { o->Wake(); });
  s->analyzer = std::make_unique<analysis::Analyzer>(
      data_dir + "/lists", analysis::AnalyzerLimits{}, data_dir + "/models");
  // A bad list or model leaves analysis running without it rather than the server down;
  // the reload endpoints report the file and line.
  if (auto st = s->analyzer->Reload(); !st)
    spdlog::error("analysis lists not loaded: {}: {}", st.error().field, st.error().message);
  if (auto st = s->analyzer->ReloadClassifiers(); !st)
    spdlog::error("classifiers not loaded: {}: {}", st.error().field, st.error().message);
  if (auto st = s->LoadExternalClassifier(); !st)
    spdlog::error("external classifier not configured: {}: {}", st.error().field,
                  st.error().message);
  automation::Worker::Deps deps;
  deps.store = s->store.get();
  deps.writer = s->writer.get();
  deps.taxonomy = &s->taxonomy;
  deps.clock = s->clock;
  deps.analyzer = s->analyzer.get();
  deps.policies = s->policies.get();
  deps.cases = s->cases.get();
  deps.queues = [svc = s.get()] { return svc->Queues(); };
  bool automate = opts.automation && s->config.automation_enabled;
  s->automation = std::make_unique<automation::Worker>(std::move(deps), automate);
  // Without the thread (CLI commands) nothing is queued: a server finds the work at its start.
  if (automate)
    s->intake->SetAutomationHooks([w = s->automation.get()](int64_t id) { w->CaseChanged(id); },
                                  [w = s->automation.get()](int64_t pk) { w->ContentChanged(pk); });
  s->appeals = std::make_unique<cases::Appeals>(*s->writer, s->config, *s->clock,
                                                s->cases->notices(),
                                                [o = s->outbox.get()] { o->Wake(); });
  return s;
}

Status Services::LoadExternalClassifier() {
  auto cfg = analysis::LoadExternalClassifierConfig(data_dir + "/external_classifier.yaml");
  if (!cfg)
    return Error::Invalid("external_classifier.yaml: " + cfg.error().field, cfg.error().message);
  analyzer->SetExternalClassifier(
      cfg->enabled ? std::make_shared<analysis::ExternalClassifier>(cfg.value()) : nullptr);
  return OkStatus();
}

std::shared_ptr<const cases::QueueConfig> Services::Queues() const {
  std::lock_guard lock(queues_mu_);
  return queues_;
}

Status Services::ReloadQueues() {
  std::string path = data_dir + "/queues.yaml";
  std::ifstream in(path);
  std::string text = cases::QueueConfig::DefaultYaml();
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto q = cases::QueueConfig::FromYaml(text, &taxonomy);
  if (!q) {
    Error e = q.error();
    e.message = path + ": " + e.field + ": " + e.message;
    return e;
  }
  auto fresh = std::make_shared<const cases::QueueConfig>(std::move(q.value()));
  std::lock_guard lock(queues_mu_);
  queues_ = std::move(fresh);
  return OkStatus();
}

std::string Services::NoticeTemplatesText() const {
  std::ifstream in(data_dir + "/notices.yaml");
  if (!in) return notify::NoticeTemplates::DefaultYaml();
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status Services::ReplaceConfigFile(const std::string& name, const std::string& text,
                                   const std::string& actor) {
  std::string path = data_dir + "/" + name;
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Error{ErrorCode::kInternal, "", "cannot write " + tmp};
  }
  // On disk before the event says it changed, and the rename below after it: a power cut leaves
  // the old file or the new one whole, never an empty one under the name.
  try {
    FsyncPath(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    return Error{ErrorCode::kInternal, "", e.what()};
  }
  // The event first: a change that cannot be recorded is not made.
  Status st = writer->Run([&](store::WriteTx& tx) -> Status {
    events::Event e;
    e.type = "config.updated";
    e.subject = "config:" + name;
    e.actor = actor;
    e.ts = clock->Now();
    e.payload = nlohmann::json{{"file", name},
                               {"bytes", text.size()},
                               {"blake2b_128", intake::HashRequest(text)}}
                    .dump();
    tx.AppendEvent(e);
    return OkStatus();
  });
  if (!st) {
    std::remove(tmp.c_str());
    return st;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Error{ErrorCode::kInternal, "", "cannot replace " + path};
  try {
    FsyncPath(data_dir, /*directory=*/true);
  } catch (const std::exception& e) {
    return Error{ErrorCode::kInternal, "", e.what()};
  }
  return OkStatus();
}

Status Services::SaveNoticeTemplates(const std::string& yaml, const std::string& actor) {
  auto t = notify::NoticeTemplates::FromYaml(yaml);
  if (!t) return t.error();
  if (auto st = ReplaceConfigFile("notices.yaml", yaml, actor); !st) return st;
  cases->notices().Set(std::move(t.value()));
  return OkStatus();
}

std::string Services::QueuesText() const {
  std::ifstream in(data_dir + "/queues.yaml");
  if (!in) return cases::QueueConfig::DefaultYaml();
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status Services::SaveQueues(const std::string& yaml, const std::string& actor) {
  std::lock_guard config_lock(config_mu_);
  auto q = cases::QueueConfig::FromYaml(yaml, &taxonomy);
  if (!q) return q.error();
  if (auto st = ReplaceConfigFile("queues.yaml", yaml, actor); !st) return st;
  auto fresh = std::make_shared<const cases::QueueConfig>(std::move(q.value()));
  std::lock_guard lock(queues_mu_);
  queues_ = std::move(fresh);
  return OkStatus();
}

std::string Services::TaxonomyText() const {
  std::ifstream in(data_dir + "/taxonomy.yaml");
  if (!in) return Taxonomy::DefaultYaml();
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status Services::SaveTaxonomy(const std::string& yaml, const std::string& actor) {
  std::lock_guard config_lock(config_mu_);
  auto t = Taxonomy::FromYaml(yaml);
  if (!t) return t.error();
  for (const auto& old : taxonomy.reasons())
    if (!t->Find(old.code))
      return Error::Invalid("reasons", "reason code '" + old.code +
                                           "' is in use and cannot be removed; change its title or "
                                           "severity instead");
  if (auto q = cases::QueueConfig::FromYaml(QueuesText(), &t.value()); !q)
    return Error::Invalid("reasons", "queues.yaml would no longer be valid: " + q.error().field +
                                         ": " + q.error().message);
  if (auto st = ReplaceConfigFile("taxonomy.yaml", yaml, actor); !st) return st;
  taxonomy.Replace(t.value());
  return OkStatus();
}

Services::~Services() {
  // Stop everything that submits writes, then drain the writer while the services its
  // completion callbacks refer to still exist, then tear down the rest.
  if (sla) sla.reset();
  if (automation) automation->Stop();
  if (cases) cases->Stop();
  if (outbox) outbox->Stop();
  writer.reset();
  appeals.reset();
  automation.reset();
  outbox.reset();
  cases.reset();
  intake.reset();
  accounts.reset();
  authn.reset();
  store.reset();
}

}  // namespace vigil
