/* See child.h. */
#define _GNU_SOURCE
#include "child.h"

#include <signal.h>
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
