/*
 * What a process forked by the command executor does first, for the task and for check probes
 * alike: lead its own process group (so a kill reaches all it starts), die with the executor,
 * undo the executor's signal settings, and enter its working directory.
 */
#ifndef MESOS_CHILD_H
#define MESOS_CHILD_H

#include <stddef.h>
#include <sys/types.h>

/* In the child after fork(): `parent` is the executor's pid, `directory` (may be NULL) the working directory. Exits (1, 126) when it cannot. */
void child_prepare(pid_t parent, const char *directory);

/* Most processes of one tree `kill_tree` stops and kills (a fork bomb must not keep it looking). */
#define KILL_TREE_MAX_PROCESSES 1024

/* Appends the children of every thread of `pid` (Linux: /proc; elsewhere none) to `found[count..room)`; returns the new count. */
size_t child_processes(pid_t pid, pid_t *found, size_t count, size_t room);

/*
 * SIGKILLs `root`, every descendant of it (on Linux: found through /proc, each stopped with
 * SIGSTOP as it is found, so none forks past the search) and the process group each leads, at
 * most KILL_TREE_MAX_PROCESSES of them: what left the root's group (setsid) ends too.
 */
void kill_tree(pid_t root);

#endif
