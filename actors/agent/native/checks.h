/*
 * Health checks and general checks for the native command executor, with the semantics of the
 * TypeScript ones (actors/framework/checks.ts, after Mesos): the first probe `delay` after the
 * task starts, the next `interval` after the previous one ended or timed out; a probe running
 * past `timeout` (0: never) is aborted (its process tree killed, groups and all; its socket closed). Probes:
 * COMMAND (fork/exec in the sandbox, own process group), HTTP (non-blocking connect to
 * 127.0.0.1:port, `GET path HTTP/1.1`, the status line parsed), TCP (a connection opens).
 *
 * The executor owns the event loop: it polls `checker_poll_fd`, sleeps until
 * `checker_next_deadline`, and passes on socket readiness, timers and exited children.
 */
#ifndef MESOS_CHECKS_H
#define MESOS_CHECKS_H

#include <stddef.h>
#include <sys/types.h>
#include "msgpack.h"

/*
 * Most arguments and environment variables (the task's and the check's together) a command probe
 * may have; both lists are sized to what the check has. The agent gives a task beyond them to the
 * TypeScript executor (actors/agent/native-checks.ts mirrors these limits).
 */
#define CHECK_MAX_ARGUMENTS 16384
#define CHECK_MAX_ENVIRONMENT 16384
/*
 * Longest HTTP path once percent-encoded: the schema's 1024 characters, each at most 3 UTF-8
 * bytes (a surrogate pair: 4 for 2), each byte at most 3 as `%XX`. So every valid path fits.
 */
#define CHECK_MAX_PATH (1024 * 9)
/* Bytes of an HTTP response read for its status line; the rest is not read. */
#define CHECK_MAX_RESPONSE 512

typedef enum { CHECK_NONE = 0, CHECK_COMMAND, CHECK_HTTP, CHECK_TCP } check_kind;

/* What a checker tells the executor. */
typedef enum {
  CHECK_EVENT_HEALTH,   /* health check: first result or a change (see `healthy`) */
  CHECK_EVENT_KILL,     /* health check: `consecutive_failures` in a row; checking has stopped */
  CHECK_EVENT_RESULT,   /* general check: the result changed (see `has_result`, `result`) */
} check_event;

typedef struct checker checker_t;
typedef void (*check_report_fn)(void *context, checker_t *checker, check_event event);

struct checker {
  check_kind kind;
  int health;                 /* a health check (1) or a general check (0) */
  double delay_ms, interval_ms, timeout_ms, grace_ms;
  long consecutive_limit;
  /* COMMAND: the program and its argv / environment, each NULL-terminated and owned */
  char *file;
  char **argv;
  char **environment;         /* KEY=VALUE: the task's, then the check's own */
  const char *sandbox;        /* not owned */
  /* HTTP and TCP */
  int port;
  char path[CHECK_MAX_PATH + 1];
  /* the probe in flight */
  int running;
  double next_at_ms;          /* when the next probe starts, 0 when none is scheduled */
  double deadline_ms;         /* when the running probe times out, 0 for never */
  pid_t pid;                  /* COMMAND: the probe's process (group leader) */
  int fd;                     /* HTTP, TCP: its socket, or -1 */
  int connected;
  char request[CHECK_MAX_PATH + 128];
  size_t request_length, request_sent;
  char response[CHECK_MAX_RESPONSE + 1];
  size_t response_length;
  /* health */
  double started_ms;
  int healthy;                /* -1 before the first result, then 0 or 1 */
  int passed_once;
  long failures;              /* consecutive failures */
  int stopped;
  /* general check: the last result reported */
  int has_result;             /* 0: empty (no result yet, or the last probe timed out / could not run) */
  long result;                /* exit code, HTTP status, or TCP succeeded (0/1) */
};

/*
 * Reads a TaskInfo's `healthCheck` (health = 1) or `check` (health = 0) map, with Mesos' defaults
 * for what is unset, and the task command's environment. Returns 0, or -1 with a reason on stderr
 * when it is absent, invalid or beyond the limits above (the checker then stays CHECK_NONE).
 */
int checker_configure(checker_t *checker, const mp_node *spec, int health, const mp_node *task_environment, const char *sandbox);
/* The check's type name (`COMMAND`, `HTTP`, `TCP`). */
const char *checker_type_name(const checker_t *checker);
/* Starts checking: the first probe after the delay. */
void checker_start(checker_t *checker, double now_ms);
/* Stops checking: a running probe is killed or closed; nothing more is reported. */
void checker_stop(checker_t *checker);
/* The earliest time something is due (a probe to start or to time out), or 0. */
double checker_next_deadline(const checker_t *checker);
/* The socket to poll and for what, or -1. */
int checker_poll_fd(const checker_t *checker, short *events);
/* The socket is ready. */
void checker_on_socket(checker_t *checker, short revents, double now_ms, check_report_fn report, void *context);
/* Starts a due probe, times out an overdue one. */
void checker_on_timers(checker_t *checker, double now_ms, check_report_fn report, void *context);
/* A child exited: returns 1 if it was this checker's probe (its result is then handled). */
int checker_on_exit(checker_t *checker, pid_t pid, int status, double now_ms, check_report_fn report, void *context);
/* Frees what `checker_configure` allocated. */
void checker_free(checker_t *checker);

#endif
