// C boundary for the process itself: how Ctrl-C is taken, and the per-thread
// file-system credentials tests use. Defined in shim.c (compiled with
// _GNU_SOURCE for setfsuid).
#ifndef CPROCESS_H
#define CPROCESS_H

#include <stdint.h>

/// Ctrl-C as a count: `cproc_sigint_catch` installs (for the rest of the
/// process) a handler that counts the first SIGINT, whichever thread takes it,
/// and prints how to quit at once; a second SIGINT takes the default action.
/// A SIGINT ignored when the process started stays ignored. A handler, not
/// SIG_IGN plus a signal source: an ignored signal taken by another thread is
/// lost. `cproc_sigint_count` reads the count.
void cproc_sigint_catch(void);
uint64_t cproc_sigint_count(void);

/// setfsuid(2) for the calling thread only: returns the previous fsuid. Tests
/// use it to drop file-system credentials (and CAP_DAC_OVERRIDE) on one thread.
int32_t cproc_setfsuid(uint32_t uid);

#endif
