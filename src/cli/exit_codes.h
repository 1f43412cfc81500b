#pragma once
/// The process exit codes of SPEC 9 (stable: scripts depend on them).

namespace bufopt::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,       ///< a bug or an unexpected failure
  kExitUsage = 2,          ///< bad flag or value
  kExitBadModel = 3,       ///< unreadable or invalid model
  kExitConstraint = 4,     ///< --budget, or no answer within --max-slowdown
  kExitBatchPartial = 5,   ///< `batch` finished but some models failed
};

}  // namespace bufopt::cli
