// Names the calling thread (at most 15 characters) so `top -H`, perf and gdb show which part of
// Vigil is busy: vigil-writer, vigil-scorer, vigil-http, ...
#pragma once

#include <pthread.h>

namespace vigil {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace vigil
