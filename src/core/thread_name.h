// Names the calling thread (at most 15 characters) so `top -H`, perf and gdb show which part of
// Vigil is busy: vigil-writer, vigil-scorer, vigil-http, ...
#pragma once

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace vigil {

// Linux refuses a longer name outright (and the thread kept the process's name), so it is cut.
inline void NameThisThread(const char* name) {
  char cut[16] = {};
  for (size_t i = 0; i < sizeof cut - 1 && name[i] != '\0'; ++i) cut[i] = name[i];
  pthread_setname_np(pthread_self(), cut);
}

// Background threads (automation, SLA sweeps) take the CPU that requests leave over: Linux
// nice values are per thread. False if the system refused.
inline bool LowerThisThreadPriority(int nice = 10) {
  return setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice) == 0;
}

}  // namespace vigil
