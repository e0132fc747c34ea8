/* See child.h. */
#define _GNU_SOURCE
#include "child.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

void child_prepare(pid_t parent, const char *directory) {
  setpgid(0, 0); /* the parent does the same: whoever runs first, a kill never misses the group */
#ifdef __linux__
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* do not outlive a killed executor */
  if (getppid() != parent) _exit(1); /* it died before prctl took effect */
#else
  (void)parent;
#endif
  signal(SIGPIPE, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (directory && chdir(directory) < 0) _exit(126);
}

#ifdef __linux__
/* Appends to `found` (of `*count`, room for KILL_TREE_MAX_PROCESSES) the children of every thread of `pid`, stopping each. */
static void stop_children(pid_t pid, pid_t *found, size_t *count) {
  char path[64], pids[4096];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *threads = opendir(path);
  if (!threads) return;
  for (struct dirent *thread; (thread = readdir(threads)) != NULL;) {
    if (thread->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "/proc/%d/task/%.16s/children", (int)pid, thread->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t got = read(fd, pids, sizeof pids - 1);
    close(fd);
    if (got <= 0) continue;
    pids[got] = '\0';
    for (char *next = pids, *end; *next && *count < KILL_TREE_MAX_PROCESSES; next = end) {
      long child = strtol(next, &end, 10);
      if (end == next) break;
      if (child <= 0) continue;
      kill((pid_t)child, SIGSTOP);
      found[(*count)++] = (pid_t)child;
    }
  }
  closedir(threads);
}
#endif

void kill_tree(pid_t root) {
  if (root <= 0) return;
  pid_t found[KILL_TREE_MAX_PROCESSES];
  size_t count = 0;
  found[count++] = root;
#ifdef __linux__
  kill(root, SIGSTOP);
  for (size_t next = 0; next < count; next++) stop_children(found[next], found, &count);
#endif
  for (size_t i = 0; i < count; i++) {
    kill(-found[i], SIGKILL); /* the group it leads, if it leads one */
    kill(found[i], SIGKILL);
  }
}
