// Guided review: when a policy's walk stops at a question, the case waits for a reviewer. This
// is what the API serves about it: the questions waiting with their guidance and choices, a
// reviewer's answer walking the tree on (recorded as policy.answered), the proposed decision at
// the leaf, and the check that a decision citing a leaf is where its answers lead.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cases/case_service.h"
#include "core/taxonomy.h"
#include "policy/library.h"
#include "store/store.h"

namespace vigil::automation {

// The stored analysis and the policy states of a case, for GET /v1/cases/{id}: "analysis"
// (signals with spans, language, revision, current) and "policies" (one per policy evaluated).
nlohmann::json CaseAutomationJson(store::ReadTx& rtx, const store::CaseRow& c);

// {case_id, case_version, policies: [{policy, title, version, mode, status, question (ask,
// guidance, choices), answers, outcome, leaf, proposed_decision, trace}]}: every running
// policy that applies to the case, walked now with the answers recorded so far.
Result<nlohmann::json> Guidance(store::ReadTx& rtx, const policy::PolicyLibrary& policies,
                                const Taxonomy& taxonomy, int64_t case_id, Millis now);

struct AnswerInput {
  std::string policy, question, answer;
  int version = 0;  // 0: the running version
};
// {policy, version?, question, answer}; errors name the field.
Result<AnswerInput> ParseAnswer(const nlohmann::json& body);

// A validated answer, ready to record: the response and the policy state after it.
struct PreparedAnswer {
  int64_t case_id = 0;
  AnswerInput input;
  int version = 0;
  nlohmann::json response;    // status, next question or the proposed decision, answers, trace
  nlohmann::json evaluation;  // the walk with the answers (the policy state)
  std::string status, next_question;
};
// Checks the answer against the question the case waits on (field "question") and its choices
// (field "answer"), and walks on.
Result<PreparedAnswer> PrepareAnswer(store::ReadTx& rtx, const policy::PolicyLibrary& policies,
                                     const Taxonomy& taxonomy, int64_t case_id, AnswerInput in,
                                     Millis now);
// Writes the policy.answered event and the policy state, in the caller's transaction.
void RecordAnswer(store::WriteTx& tx, const PreparedAnswer& a, const std::string& actor,
                  Millis now);

// A decision citing a leaf or answers must cite the running version, and the answers must lead
// to that leaf on the case as it is (fields policy.version, policy.answers, policy.leaf,
// policy.clause). Fills an empty clause from the leaf and records the walk as the trace.
Status CheckCitation(store::ReadTx& rtx, const policy::PolicyLibrary& policies,
                     const Taxonomy& taxonomy, int64_t case_id, cases::DecisionInput* d,
                     Millis now);

}  // namespace vigil::automation
