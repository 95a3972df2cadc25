// Names the calling thread (at most 15 characters) so `top -H`, perf and gdb show which part of
// Vigil is busy: vigil-writer, vigil-scorer, vigil-http, ...
#pragma once

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vigil {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

// Background threads (automation, SLA sweeps) take the CPU that requests leave over: Linux
// nice values are per thread. False if the system refused.
inline bool LowerThisThreadPriority(int nice = 10) {
  return setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice) == 0;
}

}  // namespace vigil
