// The wiring of one Vigil process: configuration, taxonomy, the store, the group committer and
// the services built on them. `vigil serve` and the CLI subcommands open the same Services, so
// the CLI takes exactly the paths the HTTP API takes.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "analysis/analyzer.h"
#include "auth/accounts.h"
#include "auth/auth.h"
#include "automation/worker.h"
#include "cases/appeals.h"
#include "cases/case_service.h"
#include "cases/queues.h"
#include "cases/sla_sweeper.h"
#include "core/config.h"
#include "core/taxonomy.h"
#include "intake/intake.h"
#include "notify/outbox.h"
#include "policy/library.h"
#include "store/group_commit.h"
#include "store/store.h"

namespace vigil {

struct Services {
  std::string data_dir;
  Config config;
  Taxonomy taxonomy;
  const Clock* clock = &SystemClock::Instance();
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::GroupCommitter> writer;
  std::unique_ptr<auth::Authenticator> authn;
  std::unique_ptr<auth::Accounts> accounts;
  std::unique_ptr<intake::Intake> intake;
  std::unique_ptr<cases::CaseService> cases;
  std::unique_ptr<cases::Appeals> appeals;
  std::unique_ptr<cases::SlaSweeper> sla;      // sweeps periodically only in `vigil serve`
  std::unique_ptr<notify::OutboxWorker> outbox;  // delivers continuously only in `vigil serve`
  std::unique_ptr<policy::PolicyLibrary> policies;  // DATA/policies, loaded by Open
  std::unique_ptr<ManualClock> test_clock;     // set when serving with --test-clock
  // One analyzer per process: DATA/lists, DATA/models and DATA/external_classifier.yaml.
  std::unique_ptr<analysis::Analyzer> analyzer;
  // Analysis and policies on intake; runs its thread only in `vigil serve`.
  std::unique_ptr<automation::Worker> automation;

  // Re-reads DATA/external_classifier.yaml (absent: disabled); an invalid file changes nothing.
  Status LoadExternalClassifier();

  // The queue configuration in force (queues.yaml); replaced whole by ReloadQueues.
  std::shared_ptr<const cases::QueueConfig> Queues() const;
  // Re-reads queues.yaml; on error nothing changes and the error names the file, path and line.
  Status ReloadQueues();
  // notices.yaml as in force (the built-in text when the file is absent).
  std::string NoticeTemplatesText() const;
  // Validates `yaml`, writes notices.yaml (atomically) and puts it in force; an invalid text
  // changes nothing. Records a config.updated event by `actor`.
  Status SaveNoticeTemplates(const std::string& yaml, const std::string& actor);
  // queues.yaml as in force, and its replacement (validated against the taxonomy first; in
  // force at once; an invalid text changes nothing).
  std::string QueuesText() const;
  Status SaveQueues(const std::string& yaml, const std::string& actor);
  // taxonomy.yaml as in force, and its replacement. A reason code in force cannot be removed
  // (flags and cases cite it; change its title or severity instead) and queues.yaml must stay
  // valid against the new reasons; an invalid text changes nothing. In force at once.
  std::string TaxonomyText() const;
  Status SaveTaxonomy(const std::string& yaml, const std::string& actor);

  // Opens an initialised data directory: loads vigil.yaml and taxonomy.yaml, migrates the schema.
  struct Options {
    bool test_clock = false;  // a clock moved by POST /v1/test/clock (for tests only)
    bool sla_sweeps = false;  // run the periodic SLA sweep and webhook delivery (the server)
    bool automation = false;  // run analysis and policies on intake in the background
  };
  static Result<std::unique_ptr<Services>> Open(const std::string& data_dir);
  static Result<std::unique_ptr<Services>> Open(const std::string& data_dir, const Options& opts);
  ~Services();

 private:
  // Writes DIR/<name> atomically after recording a config.updated event by `actor`.
  Status ReplaceConfigFile(const std::string& name, const std::string& text,
                           const std::string& actor);
  std::mutex config_mu_;  // one configuration change at a time (queues are checked against reasons)
  mutable std::mutex queues_mu_;
  std::shared_ptr<const cases::QueueConfig> queues_;
};

// Creates the data directory with default vigil.yaml and taxonomy.yaml when missing.
Status InitDataDir(const std::string& data_dir);

}  // namespace vigil
