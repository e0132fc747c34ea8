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

size_t child_processes(pid_t pid, pid_t *found, size_t count, size_t room) {
#ifdef __linux__
  char path[64], pids[4096];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *threads = opendir(path);
  if (!threads) return count;
  for (struct dirent *thread; (thread = readdir(threads)) != NULL;) {
    if (thread->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "/proc/%d/task/%.16s/children", (int)pid, thread->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t got = read(fd, pids, sizeof pids - 1);
    close(fd);
    if (got <= 0) continue;
    pids[got] = '\0';
    for (char *next = pids, *end; *next && count < room; next = end) {
      long child = strtol(next, &end, 10);
      if (end == next) break;
      if (child > 0) found[count++] = (pid_t)child;
    }
  }
  closedir(threads);
#else
  (void)pid;
  (void)found;
  (void)room;
#endif
  return count;
}

void kill_tree(pid_t root) {
  if (root <= 0) return;
  pid_t found[KILL_TREE_MAX_PROCESSES];
  size_t count = 1;
  found[0] = root;
  kill(root, SIGSTOP);
  /* Each one is stopped before its children are looked for: none forks past the search. */
  for (size_t next = 0; next < count; next++) {
    size_t before = count;
    count = child_processes(found[next], found, count, KILL_TREE_MAX_PROCESSES);
    for (size_t i = before; i < count; i++) kill(found[i], SIGSTOP);
  }
  for (size_t i = 0; i < count; i++) {
    kill(-found[i], SIGKILL); /* the group it leads, if it leads one */
    kill(found[i], SIGKILL);
  }
}
