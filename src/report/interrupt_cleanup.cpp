#include "bufopt/report/interrupt_cleanup.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace bufopt::report {

namespace {

/// One registration. `state`: kFree, kFilling (the registering thread copies the path),
/// kReady (registered), kClaimed (the handler took it; never freed again: the process is dying).
struct Slot {
  std::atomic<int> state{0};
  char path[kPendingPathBytes] = {};
};

constexpr int kFree = 0;
constexpr int kFilling = 1;
constexpr int kReady = 2;
constexpr int kClaimed = 3;

static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs lock-free atomics");

// The one piece of global mutable state in bufopt: a signal handler can reach nothing else.
Slot g_slots[kPendingSlots];
std::atomic<bool> g_installed{false};

void remove_pending_files(int signal) {
  for (Slot& slot : g_slots) {
    int expected = kReady;
    if (slot.state.compare_exchange_strong(expected, kClaimed)) ::unlink(slot.path);
  }
  // SA_RESETHAND restored the default action: the re-raised signal ends the process once this
  // handler returns.
  ::raise(signal);
}

void install(int signal) {
  struct sigaction current {};
  if (::sigaction(signal, nullptr, &current) != 0 || current.sa_handler == SIG_IGN) return;
  struct sigaction action {};
  action.sa_handler = remove_pending_files;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  ::sigaction(signal, &action, nullptr);
}

}  // namespace

PendingFile::PendingFile(const std::string& path) {
  if (path.size() >= kPendingPathBytes) return;
  for (size_t i = 0; i < kPendingSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
    std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
    g_slots[i].state.store(kReady);
    slot_ = static_cast<int>(i);
    return;
  }
}

PendingFile::~PendingFile() {
  if (slot_ < 0) return;
  int expected = kReady;
  // Fails only when the handler claimed the slot: the file is being removed, the process is dying.
  g_slots[static_cast<size_t>(slot_)].state.compare_exchange_strong(expected, kFree);
}

void install_interrupt_cleanup() {
  if (g_installed.exchange(true)) return;
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) install(signal);
}

}  // namespace bufopt::report
