#pragma once
/// Removing partly written output files when the process is interrupted, so that an interrupted
/// run leaves neither a partial result nor a stray temporary file.
///
/// write_output() writes to a temporary file and renames it over the target; while the
/// temporary file exists it is registered here (PendingFile). install_interrupt_cleanup() sets
/// handlers for SIGINT, SIGTERM and SIGHUP that unlink every registered file and then let the
/// signal take its default action (the process dies of it, so the shell sees the interruption).
/// Guarantees: the handler only calls async-signal-safe functions (unlink, raise) and lock-free
/// atomics; a file is unlinked at most once and never after its registration ended (a slot is
/// claimed by exactly one of the handler and the unregistering thread). At most kPendingSlots
/// files are registered at once (more are simply not removed on interruption); a path longer
/// than kPendingPathBytes - 1 is not registered.
#include <cstddef>
#include <string>

namespace bufopt::report {

inline constexpr size_t kPendingSlots = 32;
inline constexpr size_t kPendingPathBytes = 4096;

/// Registers `path` for removal on interruption for the lifetime of this object.
class PendingFile {
 public:
  explicit PendingFile(const std::string& path);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  /// False when no slot was free or the path is too long (the file is then not protected).
  bool registered() const { return slot_ >= 0; }

 private:
  int slot_ = -1;
};

/// Installs the SIGINT / SIGTERM / SIGHUP handlers (once per process; later calls do nothing).
/// A signal that is ignored when the process starts (nohup, background jobs) stays ignored.
void install_interrupt_cleanup();

}  // namespace bufopt::report
