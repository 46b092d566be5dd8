#pragma once
// The signals that ask tcpstats-reader to stop after the current batch:
// every one whose default action would end it mid-batch (half a frame
// written, a capture without its meta file). SIGQUIT too: its core dump is
// for a hung process (`gcore` or SIGABRT still give one). SIGKILL cannot
// be caught; faults (SIGSEGV, SIGBUS outside a guarded dump, SIGABRT) are
// bugs and keep their core dumps; SIGPIPE and SIGXFSZ are ignored instead
// (write() says EPIPE, EFBIG). main() installs the handler for these;
// threads other than the collection loop block them, so the signal cuts
// the loop's sleep short (docs/security.md).

#include <signal.h>

namespace tcpstats::reader {

inline sigset_t stop_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (const int sig : {
#if defined(__linux__)
           SIGPWR, SIGSTKFLT,
#endif
           SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGIO}) {
    sigaddset(&set, sig);
  }
#if defined(SIGRTMIN)
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) sigaddset(&set, sig);
#endif
  return set;
}

}  // namespace tcpstats::reader
