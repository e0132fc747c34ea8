/*
 * What a process forked by the command executor does first, for the task and for check probes
 * alike: lead its own process group (so a kill reaches all it starts), die with the executor,
 * undo the executor's signal settings, and enter its working directory.
 */
#ifndef MESOS_CHILD_H
#define MESOS_CHILD_H

#include <sys/types.h>

/* In the child after fork(): `parent` is the executor's pid, `directory` (may be NULL) the working directory. Exits (1, 126) when it cannot. */
void child_prepare(pid_t parent, const char *directory);

#endif
