/*
 * mesos-command-executor: the built-in command executor in C, as in Mesos (where it is a C++
 * binary): one process per command task, started by the agent, which registers with the agent
 * as the actor `executor@<ip>:<port>`, runs the task's shell command in its own process group
 * with stdout and stderr in the sandbox, and reports TASK_STARTING, TASK_RUNNING and then
 * TASK_FINISHED, TASK_FAILED ("Command exited with status N") or TASK_KILLED. A kill sends
 * SIGTERM to the process group and SIGKILL after the grace period.
 *
 * Native for launch speed: a Node.js process costs ~60 ms of CPU to start, this one ~1 ms. It
 * follows the TypeScript command executor (command-executor.ts, used when this binary was not
 * built): the same updates, kill and shutdown semantics (shutdown grace less a 2 s margin,
 * TASK_KILLING for frameworks that ask for it, a repeated kill only shortens the grace), and
 * nothing the task started outlives it.
 *
 * Health checks and general checks (checks.c) run as the TypeScript executor's do: each change
 * of health is a TASK_RUNNING update with `healthy`, each new check result one with
 * `checkStatus`; after the health check's `consecutiveFailures` the task is killed, and its
 * TASK_KILLED says so (reason REASON_TASK_HEALTH_CHECK_STATUS_UPDATED, healthy false).
 *
 * Environment: MESOS_AGENT_PID, MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_DIRECTORY,
 * MESOS_EXECUTOR_AUTHENTICATION_TOKEN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "child.h"
#include "link.h"
#include "msgpack.h"

/* Grace period between SIGTERM and SIGKILL when a kill names none (Mesos: 3 s). */
#define DEFAULT_KILL_GRACE_PERIOD_MS 3000.0
/* The agent's shutdown grace period when MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD is unset (Mesos: 5 s). */
#define DEFAULT_SHUTDOWN_GRACE_PERIOD_MS 5000.0
/* On shutdown the task gets the agent's grace period less this, so TASK_KILLED is sent before the agent's own SIGKILL (as the TypeScript executor: COMMAND_EXECUTOR_SHUTDOWN_MARGIN_MS). */
#define SHUTDOWN_MARGIN_MS 2000.0
/* An update the agent has not acknowledged is sent again after this long (env MESOS_EXECUTOR_UPDATE_RETRY_MS). */
#define DEFAULT_STATUS_UPDATE_RETRY_MS 10000.0
/* After the terminal update, exit once it is acknowledged or after this long (env MESOS_EXECUTOR_EXIT_AFTER_TERMINAL_MS). */
#define DEFAULT_EXIT_AFTER_TERMINAL_MS 10000.0
/* Shut down (its framework torn down: the agent acknowledges nothing more), exit this long after
   the terminal update, as Mesos' command executor does (COMMAND_EXECUTOR_SHUTDOWN_EXIT_DELAY_MS):
   waiting for the acknowledgement met the agent's SIGKILL at every teardown. */
#define SHUTDOWN_EXIT_AFTER_TERMINAL_MS 1000.0

static double STATUS_UPDATE_RETRY_MS = DEFAULT_STATUS_UPDATE_RETRY_MS;
static double EXIT_AFTER_TERMINAL_MS = DEFAULT_EXIT_AFTER_TERMINAL_MS;

/* A positive number of milliseconds from the environment, or `fallback`. */
static double env_ms(const char *name, double fallback) {
  const char *text = getenv(name);
  char *end = NULL;
  double value = text ? strtod(text, &end) : 0;
  return text && end && *end == '\0' && value > 0 ? value : fallback;
}
/*
 * Unacknowledged updates kept at most: STARTING, RUNNING, KILLING, a terminal one, and room for
 * health and check updates (one per change, each acknowledged within milliseconds by a live
 * agent). When full, the oldest health or check update makes room: a terminal one always fits.
 */
#define MAX_PENDING_UPDATES 32
/* Reasons of health and check updates (Mesos' TaskStatus.Reason). */
#define REASON_HEALTH "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
#define REASON_CHECK "REASON_TASK_CHECK_STATUS_UPDATED"
/* No `healthy` field on an update. */
#define HEALTH_UNSET (-1)

typedef struct {
  char uuid[40];
  mp_buffer body;
  double retry_at_ms;
  int replaceable;         /* a health or check update (TASK_RUNNING): may give way to a newer update when the queue is full */
} pending_update;

typedef struct {
  link_t link;
  char self[96];           /* our UPID */
  const char *agent_pid;   /* the agent's UPID */
  const char *framework_id;
  const char *executor_id;
  const char *directory;
  char *agent_id;          /* from ExecutorRegistered */
  char *task_id;           /* the one task, once launched */
  pid_t child;             /* the task's process (group leader), 0 when none */
  int kill_requested;
  int killing_state;       /* the framework handles TASK_KILLING (capability TASK_KILLING_STATE) */
  double shutdown_grace_ms; /* the agent's shutdown grace period (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD) */
  double kill_deadline_ms; /* when to SIGKILL, 0 when no kill is pending */
  double exit_deadline_ms; /* when to exit without an ack, 0 before the terminal update */
  int terminal_sent;
  int shutdown_requested;
  checker_t health;        /* the task's health check, kind CHECK_NONE when it has none */
  checker_t check;         /* the task's general check, likewise */
  int killed_by_health;    /* the kill came from a failing health check */
  double task_grace_ms;    /* the task's kill policy grace period, or the default */
  pending_update pending[MAX_PENDING_UPDATES];
  int pending_count;
} executor_t;

static int signal_pipe[2] = {-1, -1};

static void on_signal(int number) {
  uint8_t byte = (uint8_t)number;
  int saved = errno;
  if (write(signal_pipe[1], &byte, 1) < 0) { /* the pipe is full: a wake-up is already pending */ }
  errno = saved;
}

static double monotonic_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000.0 + now.tv_nsec / 1e6;
}

static double epoch_seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec + now.tv_nsec / 1e9;
}

static void new_uuid(char out[40]) {
  uint8_t bytes[16];
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, bytes, 16) != 16) for (int i = 0; i < 16; i++) bytes[i] = (uint8_t)rand();
  if (fd >= 0) close(fd);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
    bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
}

static void send_message(executor_t *executor, const char *name, const mp_buffer *body) {
  if (link_send(&executor->link, executor->self, executor->agent_pid, name, body) < 0) {
    fprintf(stderr, "command-executor: lost the agent while sending %s\n", name);
  }
}

/* Writes a CheckStatusInfo: {type, command|http|tcp: {exitCode|statusCode|succeeded}}, the inner map empty without a result. */
static void write_check_status(mp_buffer *body, const checker_t *check) {
  static const char *const parts[] = {"", "command", "http", "tcp"};
  static const char *const fields[] = {"", "exitCode", "statusCode", "succeeded"};
  mp_map(body, 2);
  mp_str(body, "type"); mp_str(body, checker_type_name(check));
  mp_str(body, parts[check->kind]);
  mp_map(body, check->has_result ? 1 : 0);
  if (!check->has_result) return;
  mp_str(body, fields[check->kind]);
  if (check->kind == CHECK_TCP) mp_bool(body, check->result != 0);
  else mp_int(body, check->result);
}

/* Writes the TaskStatus map; `healthy` is 0, 1 or HEALTH_UNSET; a task with a check has its latest status on every update. */
static void write_status(executor_t *executor, mp_buffer *body, const char *state, const char *message, const char *reason, int healthy, const char *uuid, double timestamp) {
  int has_check = executor->check.kind != CHECK_NONE;
  int pairs = 6 + (message != NULL) + (reason != NULL) + (executor->agent_id != NULL) + (healthy != HEALTH_UNSET) + has_check;
  mp_map(body, (uint32_t)pairs);
  mp_str(body, "taskId"); mp_str(body, executor->task_id);
  mp_str(body, "state"); mp_str(body, state);
  mp_str(body, "source"); mp_str(body, "SOURCE_EXECUTOR");
  mp_str(body, "executorId"); mp_str(body, executor->executor_id);
  mp_str(body, "timestamp"); mp_double(body, timestamp);
  mp_str(body, "uuid"); mp_str(body, uuid);
  if (message) { mp_str(body, "message"); mp_str(body, message); }
  if (reason) { mp_str(body, "reason"); mp_str(body, reason); }
  if (executor->agent_id) { mp_str(body, "agentId"); mp_str(body, executor->agent_id); }
  if (healthy != HEALTH_UNSET) { mp_str(body, "healthy"); mp_bool(body, healthy); }
  if (has_check) { mp_str(body, "checkStatus"); write_check_status(body, &executor->check); }
}

/* Forgets pending update `index` (no more retries), keeping the rest in the order they were sent. */
static void drop_pending(executor_t *executor, int index) {
  mp_free(&executor->pending[index].body);
  memmove(&executor->pending[index], &executor->pending[index + 1], (size_t)(executor->pending_count - index - 1) * sizeof(pending_update));
  executor->pending_count--;
}

/* Room for one more update when the queue is full: the oldest health or check update goes. -1 when there is none. */
static int make_room(executor_t *executor) {
  for (int i = 0; i < executor->pending_count; i++) {
    if (!executor->pending[i].replaceable) continue;
    fprintf(stderr, "command-executor: too many unacknowledged updates; no longer retrying the oldest health or check update\n");
    drop_pending(executor, i);
    return 0;
  }
  return -1;
}

/* Sends a StatusUpdate {update: {...}} and keeps it until the agent acknowledges its uuid. */
static void send_status_with_health(executor_t *executor, const char *state, const char *message, const char *reason, int healthy) {
  if (executor->pending_count == MAX_PENDING_UPDATES && make_room(executor) < 0) {
    /* Cannot happen: at most STARTING, RUNNING, KILLING and a terminal update are not replaceable. */
    fprintf(stderr, "command-executor: too many unacknowledged updates; dropping %s\n", state);
    return;
  }
  pending_update *update = &executor->pending[executor->pending_count++];
  update->replaceable = strcmp(state, "TASK_RUNNING") == 0 && reason != NULL && (strcmp(reason, REASON_HEALTH) == 0 || strcmp(reason, REASON_CHECK) == 0);
  double timestamp = epoch_seconds();
  new_uuid(update->uuid);
  mp_init(&update->body);
  mp_buffer *body = &update->body;
  mp_map(body, 1);
  mp_str(body, "update");
  mp_map(body, (uint32_t)(5 + (executor->agent_id != NULL)));
  mp_str(body, "frameworkId"); mp_str(body, executor->framework_id);
  mp_str(body, "executorId"); mp_str(body, executor->executor_id);
  mp_str(body, "timestamp"); mp_double(body, timestamp);
  mp_str(body, "uuid"); mp_str(body, update->uuid);
  mp_str(body, "status"); write_status(executor, body, state, message, reason, healthy, update->uuid, timestamp);
  if (executor->agent_id) { mp_str(body, "agentId"); mp_str(body, executor->agent_id); }
  update->retry_at_ms = monotonic_ms() + STATUS_UPDATE_RETRY_MS;
  send_message(executor, "StatusUpdate", body);
}

static void send_status(executor_t *executor, const char *state, const char *message, const char *reason) {
  send_status_with_health(executor, state, message, reason, HEALTH_UNSET);
}

static void acknowledged(executor_t *executor, const mp_node *uuid) {
  for (int i = 0; i < executor->pending_count; i++) {
    if (!mp_str_equals(uuid, executor->pending[i].uuid)) continue;
    /* The rest shift down: retries must go out oldest first, in the order they were sent. */
    drop_pending(executor, i);
    return;
  }
}

/* In the child: its own session and process group, the sandbox, stdout/stderr files, then exec. */
static void exec_task(executor_t *executor, const mp_node *command, pid_t parent) {
  child_prepare(parent, executor->directory);
  /* O_CLOEXEC: after dup2 onto 0, 1 and 2 these originals must not leak into the task. */
  int out = open("stdout", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644), err = open("stderr", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
  const mp_node *environment = mp_get(command, "environment");
  for (uint32_t i = 0; environment && environment->type == MP_MAP && i < environment->length; i++) {
    char *key = mp_strdup(&environment->items[2 * i]), *value = mp_strdup(&environment->items[2 * i + 1]);
    if (key && value) setenv(key, value, 1);
  }
  char *value = mp_strdup(mp_get(command, "value"));
  const mp_node *shell = mp_get(command, "shell");
  if (!shell || shell->type != MP_BOOL || shell->integer) execl("/bin/sh", "sh", "-c", value ? value : "", (char *)NULL);
  const mp_node *arguments = mp_get(command, "arguments");
  uint32_t count = arguments && arguments->type == MP_ARRAY ? arguments->length : 0;
  char **argv = calloc((size_t)count + 2, sizeof(char *));
  argv[0] = value; /* Mesos: `arguments` is the whole argv, argv[0] included */
  for (uint32_t i = 0; i < count; i++) argv[i] = mp_strdup(&arguments->items[i]);
  execvp(value, argv);
  fprintf(stderr, "command-executor: cannot run '%s': %s\n", value, strerror(errno));
  _exit(127);
}

static int has_capability(const mp_node *framework, const char *capability) {
  const mp_node *capabilities = mp_get(framework, "capabilities");
  for (uint32_t i = 0; capabilities && capabilities->type == MP_ARRAY && i < capabilities->length; i++) {
    if (mp_str_equals(&capabilities->items[i], capability)) return 1;
  }
  return 0;
}

static double grace_of(const mp_node *body);

/* Configures the task's health check and check (each CHECK_NONE when absent). -1, both cleared, when one is given and cannot be run. */
static int configure_checks(executor_t *executor, const mp_node *task, const mp_node *environment) {
  const mp_node *health = mp_get(task, "healthCheck"), *check = mp_get(task, "check");
  if (health && checker_configure(&executor->health, health, 1, environment, executor->directory) < 0) return -1;
  if (check && checker_configure(&executor->check, check, 0, environment, executor->directory) < 0) {
    checker_free(&executor->health);
    executor->health.kind = CHECK_NONE;
    return -1;
  }
  return 0;
}

static void launch(executor_t *executor, const mp_node *task) {
  if (executor->task_id) {
    fprintf(stderr, "command-executor: ignoring a second task: one task per command executor\n");
    return;
  }
  executor->task_id = mp_strdup(mp_get(task, "taskId"));
  const mp_node *command = mp_get(task, "command");
  if (!executor->task_id || !command || command->type != MP_MAP || !mp_get(command, "value")) {
    if (!executor->task_id) executor->task_id = strdup("unknown");
    send_status(executor, "TASK_FAILED", "the task has no command", "REASON_COMMAND_EXECUTOR_FAILED");
    executor->terminal_sent = 1;
    executor->exit_deadline_ms = monotonic_ms() + EXIT_AFTER_TERMINAL_MS;
    return;
  }
  const mp_node *kill_policy = mp_get(task, "killPolicy");
  executor->task_grace_ms = kill_policy ? grace_of(kill_policy) : DEFAULT_KILL_GRACE_PERIOD_MS;
  if (configure_checks(executor, task, mp_get(command, "environment")) < 0) {
    /* Never unchecked: the agent gives such a task the TypeScript executor (native-checks.ts), so this is a disagreement between the two. */
    send_status(executor, "TASK_FAILED", "the native command executor cannot run the task's health check or check", "REASON_COMMAND_EXECUTOR_FAILED");
    executor->terminal_sent = 1;
    executor->exit_deadline_ms = monotonic_ms() + EXIT_AFTER_TERMINAL_MS;
    return;
  }
  send_status(executor, "TASK_STARTING", NULL, NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) exec_task(executor, command, parent);
  if (pid > 0) setpgid(pid, pid);
  if (pid < 0) {
    send_status(executor, "TASK_FAILED", strerror(errno), "REASON_COMMAND_EXECUTOR_FAILED");
    executor->terminal_sent = 1;
    executor->exit_deadline_ms = monotonic_ms() + EXIT_AFTER_TERMINAL_MS;
    return;
  }
  executor->child = pid;
  send_status(executor, "TASK_RUNNING", NULL, NULL);
  double now = monotonic_ms();
  checker_start(&executor->health, now);
  checker_start(&executor->check, now);
}

static void stop_checks(executor_t *executor) {
  checker_stop(&executor->health);
  checker_stop(&executor->check);
}

/* SIGTERM now, SIGKILL after `grace_ms`; a repeated kill can only shorten the grace period (Mesos). */
static void kill_task(executor_t *executor, double grace_ms) {
  if (!executor->child) return;
  double deadline = monotonic_ms() + (grace_ms > 0 ? grace_ms : 0);
  if (executor->kill_requested) {
    if (deadline < executor->kill_deadline_ms) executor->kill_deadline_ms = deadline;
    return;
  }
  executor->kill_requested = 1;
  stop_checks(executor);
  if (executor->killing_state) send_status(executor, "TASK_KILLING", NULL, NULL);
  kill(-executor->child, SIGTERM);
  executor->kill_deadline_ms = deadline;
}

/*
 * After the task's leader exits, nothing it started may live on: SIGKILL its process group,
 * then any descendant that left the group (as subreaper we are their parent now).
 */
static void kill_leftovers(pid_t group) {
  kill(-group, SIGKILL);
  pid_t children[KILL_TREE_MAX_PROCESSES];
  size_t count = child_processes(getpid(), children, 0, KILL_TREE_MAX_PROCESSES);
  for (size_t i = 0; i < count; i++) {
    kill(-children[i], SIGKILL);
    kill(children[i], SIGKILL);
  }
}

static void task_exited(executor_t *executor, int status) {
  char message[128];
  const char *state = "TASK_FAILED", *reason = NULL;
  if (WIFEXITED(status)) snprintf(message, sizeof message, "Command exited with status %d", WEXITSTATUS(status));
  else {
    const char *name = sigabbrev_np(WTERMSIG(status));
    snprintf(message, sizeof message, "Command terminated with signal SIG%s", name ? name : "?");
  }
  int healthy = HEALTH_UNSET;
  if (executor->kill_requested && executor->killed_by_health) { reason = REASON_HEALTH; healthy = 0; }
  if (executor->kill_requested) state = "TASK_KILLED";
  else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) state = "TASK_FINISHED";
  else reason = "REASON_COMMAND_EXECUTOR_FAILED";
  stop_checks(executor);
  kill_leftovers(executor->child);
  executor->child = 0;
  executor->kill_deadline_ms = 0;
  send_status_with_health(executor, state, message, reason, healthy);
  executor->terminal_sent = 1;
  executor->exit_deadline_ms = monotonic_ms() + (executor->shutdown_requested ? SHUTDOWN_EXIT_AFTER_TERMINAL_MS : EXIT_AFTER_TERMINAL_MS);
}

static double grace_of(const mp_node *body) {
  const mp_node *grace = mp_get(body, "gracePeriodSeconds");
  return grace && (grace->type == MP_INT || grace->type == MP_DOUBLE) ? grace->number * 1000.0 : DEFAULT_KILL_GRACE_PERIOD_MS;
}

static void on_envelope(void *context, const mp_node *envelope) {
  executor_t *executor = context;
  const mp_node *name = mp_get(envelope, "name"), *body = mp_get(envelope, "body");
  if (mp_str_equals(name, "ExecutorRegistered")) {
    free(executor->agent_id);
    executor->agent_id = mp_strdup(mp_get(body, "agentId"));
  } else if (mp_str_equals(name, "RunTaskOnExecutor")) {
    executor->killing_state = has_capability(mp_get(body, "framework"), "TASK_KILLING_STATE");
    launch(executor, mp_get(body, "task"));
  } else if (mp_str_equals(name, "KillTaskOnExecutor")) {
    if (executor->child) kill_task(executor, grace_of(body));
  } else if (mp_str_equals(name, "StatusUpdateAcknowledgement")) {
    acknowledged(executor, mp_get(body, "uuid"));
  } else if (mp_str_equals(name, "ShutdownExecutorOnExecutor")) {
    executor->shutdown_requested = 1;
    const mp_node *grace = mp_get(body, "gracePeriodSeconds");
    double grace_ms = grace && (grace->type == MP_INT || grace->type == MP_DOUBLE) ? grace->number * 1000.0 : executor->shutdown_grace_ms;
    if (executor->child) kill_task(executor, grace_ms - SHUTDOWN_MARGIN_MS);
  }
}

/* What a checker reports, as updates (never after a kill or the terminal update: the checkers are stopped then). */
static void on_check_event(void *context, checker_t *checker, check_event event) {
  executor_t *executor = context;
  if (executor->kill_requested || executor->terminal_sent) return;
  if (event == CHECK_EVENT_KILL) {
    fprintf(stderr, "command-executor: the task failed its health check %ld times in a row; killing it\n", checker->failures);
    executor->killed_by_health = 1;
    kill_task(executor, executor->task_grace_ms);
    return;
  }
  int healthy = executor->health.kind != CHECK_NONE && executor->health.healthy >= 0 ? executor->health.healthy : HEALTH_UNSET;
  send_status_with_health(executor, "TASK_RUNNING", NULL, event == CHECK_EVENT_HEALTH ? REASON_HEALTH : REASON_CHECK, healthy);
}

static void reap(executor_t *executor) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    double now = monotonic_ms();
    if (checker_on_exit(&executor->health, pid, status, now, on_check_event, executor)) continue;
    if (checker_on_exit(&executor->check, pid, status, now, on_check_event, executor)) continue;
    if (pid == executor->child) task_exited(executor, status);
  }
}

static int poll_timeout_ms(executor_t *executor, double now) {
  double next = now + 60000.0;
  if (executor->kill_deadline_ms && executor->kill_deadline_ms < next) next = executor->kill_deadline_ms;
  if (executor->exit_deadline_ms && executor->exit_deadline_ms < next) next = executor->exit_deadline_ms;
  for (int i = 0; i < executor->pending_count; i++) if (executor->pending[i].retry_at_ms < next) next = executor->pending[i].retry_at_ms;
  double health_due = checker_next_deadline(&executor->health), check_due = checker_next_deadline(&executor->check);
  if (health_due > 0 && health_due < next) next = health_due;
  if (check_due > 0 && check_due < next) next = check_due;
  return next <= now ? 0 : (int)(next - now) + 1;
}

static void on_timers(executor_t *executor, double now) {
  if (executor->kill_deadline_ms && now >= executor->kill_deadline_ms && executor->child) {
    kill(-executor->child, SIGKILL);
    executor->kill_deadline_ms = 0;
  }
  checker_on_timers(&executor->health, now, on_check_event, executor);
  checker_on_timers(&executor->check, now, on_check_event, executor);
  for (int i = 0; i < executor->pending_count; i++) {
    if (executor->pending[i].retry_at_ms > now) continue;
    executor->pending[i].retry_at_ms = now + STATUS_UPDATE_RETRY_MS;
    send_message(executor, "StatusUpdate", &executor->pending[i].body);
  }
}

static int run(executor_t *executor) {
  for (;;) {
    double now = monotonic_ms();
    if (executor->terminal_sent && (executor->pending_count == 0 || now >= executor->exit_deadline_ms)) return 0;
    if (executor->shutdown_requested && !executor->child && !executor->task_id) return 0;
    struct pollfd fds[4] = {{executor->link.socket, POLLIN, 0}, {signal_pipe[0], POLLIN, 0}, {-1, 0, 0}, {-1, 0, 0}};
    fds[2].fd = checker_poll_fd(&executor->health, &fds[2].events);
    fds[3].fd = checker_poll_fd(&executor->check, &fds[3].events);
    int ready = poll(fds, 4, poll_timeout_ms(executor, now));
    if (ready < 0 && errno != EINTR) return 1;
    if (ready > 0 && (fds[1].revents & POLLIN)) {
      uint8_t signals[64];
      ssize_t got = read(signal_pipe[0], signals, sizeof signals);
      for (ssize_t i = 0; i < got; i++) if (signals[i] == SIGTERM) { executor->shutdown_requested = 1; kill_task(executor, executor->shutdown_grace_ms - SHUTDOWN_MARGIN_MS); }
      reap(executor);
    }
    if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && link_receive(&executor->link, on_envelope, executor) < 0) {
      fprintf(stderr, "command-executor: the agent closed the link; killing the task\n");
      if (executor->child) kill(-executor->child, SIGKILL);
      return 1;
    }
    if (ready > 0 && fds[2].fd >= 0 && fds[2].revents) checker_on_socket(&executor->health, fds[2].revents, monotonic_ms(), on_check_event, executor);
    if (ready > 0 && fds[3].fd >= 0 && fds[3].revents) checker_on_socket(&executor->check, fds[3].revents, monotonic_ms(), on_check_event, executor);
    on_timers(executor, monotonic_ms());
  }
}

/* A duration such as `5000ms`, `5secs` or `5` (seconds) from the environment, in ms; `fallback` if unset or bad. */
static double env_duration_ms(const char *name, double fallback) {
  const char *text = getenv(name);
  char *unit = NULL;
  double value = text ? strtod(text, &unit) : 0;
  if (!text || unit == text || value < 0) return fallback;
  if (strcmp(unit, "ms") == 0) return value;
  if (*unit == '\0' || strcmp(unit, "s") == 0 || strcmp(unit, "sec") == 0 || strcmp(unit, "secs") == 0) return value * 1000.0;
  if (strcmp(unit, "mins") == 0 || strcmp(unit, "min") == 0) return value * 60000.0;
  return fallback;
}

static int split_pid(const char *pid, char *host, size_t host_size, int *port) {
  const char *at = strchr(pid, '@'), *colon = strrchr(pid, ':');
  if (!at || !colon || colon < at || (size_t)(colon - at - 1) >= host_size) return -1;
  memcpy(host, at + 1, (size_t)(colon - at - 1));
  host[colon - at - 1] = '\0';
  *port = atoi(colon + 1);
  return *port > 0 ? 0 : -1;
}

/* Longest MESOS_CGROUP_PROCS value taken (a few cgroup.procs paths, one per hierarchy). */
#define MAX_CGROUP_PROCS_CHARS 4096
/* The exit status when the container's cgroups cannot be entered (the launcher's CONFINE_FAILED_STATUS). */
#define CONFINE_FAILED_STATUS 125

/*
 * Enters the container's cgroups before anything else runs: MESOS_CGROUP_PROCS names their
 * cgroup.procs files, ':'-separated; this process' pid goes into each (and so everything it
 * starts from then on is inside). Both variables are then dropped, so the task does not see
 * them. Returns -1 if any cannot be entered.
 */
static int enter_cgroups(void) {
  const char *files = getenv("MESOS_CGROUP_PROCS");
  if (files == NULL || files[0] == '\0') return 0;
  char buffer[MAX_CGROUP_PROCS_CHARS];
  size_t length = strlen(files);
  if (length >= sizeof buffer) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(buffer, files, length + 1);
  char pid[32];
  int pid_length = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (pid_length <= 0 || (size_t)pid_length >= sizeof pid) {
    errno = EOVERFLOW;
    return -1;
  }
  char *save = NULL;
  for (char *file = strtok_r(buffer, ":", &save); file != NULL; file = strtok_r(NULL, ":", &save)) {
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t written = write(fd, pid, (size_t)pid_length);
    close(fd);
    if (written != pid_length) {
      if (written >= 0) errno = EIO;
      return -1;
    }
  }
  unsetenv("MESOS_CGROUP_PROCS");
  unsetenv("MESOS_EXECUTOR_ENTERS_CGROUPS");
  return 0;
}

int main(void) {
  if (enter_cgroups() < 0) {
    fprintf(stderr, "command-executor: cannot enter the container's cgroups (%s): %s\n", getenv("MESOS_CGROUP_PROCS"), strerror(errno));
    return CONFINE_FAILED_STATUS;
  }
  unsetenv("MESOS_EXECUTOR_ENTERS_CGROUPS");
  executor_t executor;
  memset(&executor, 0, sizeof executor);
  const char *agent = getenv("MESOS_AGENT_PID");
  if (!agent) agent = getenv("MESOS_SLAVE_PID");
  executor.agent_pid = agent;
  executor.framework_id = getenv("MESOS_FRAMEWORK_ID");
  executor.executor_id = getenv("MESOS_EXECUTOR_ID");
  executor.directory = getenv("MESOS_DIRECTORY");
  STATUS_UPDATE_RETRY_MS = env_ms("MESOS_EXECUTOR_UPDATE_RETRY_MS", DEFAULT_STATUS_UPDATE_RETRY_MS);
  EXIT_AFTER_TERMINAL_MS = env_ms("MESOS_EXECUTOR_EXIT_AFTER_TERMINAL_MS", DEFAULT_EXIT_AFTER_TERMINAL_MS);
  executor.shutdown_grace_ms = env_duration_ms("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", DEFAULT_SHUTDOWN_GRACE_PERIOD_MS);
  char host[256];
  int port;
  if (!agent || !executor.framework_id || !executor.executor_id || split_pid(agent, host, sizeof host, &port) < 0) {
    fprintf(stderr, "command-executor: MESOS_AGENT_PID, MESOS_FRAMEWORK_ID and MESOS_EXECUTOR_ID must be set\n");
    return 2;
  }
  if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return 1;
#ifdef __linux__
  prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans of the task become ours, to reap and to kill */
#endif
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  signal(SIGPIPE, SIG_IGN);
  if (link_open(&executor.link, host, port) < 0) return 1;
  snprintf(executor.self, sizeof executor.self, "executor@%s", executor.link.local_address);
  mp_buffer body;
  mp_init(&body);
  /* The agent's token for this run (issue 9): the agent takes the registration only with it. */
  const char *token = getenv("MESOS_EXECUTOR_AUTHENTICATION_TOKEN");
  mp_map(&body, token ? 3 : 2);
  mp_str(&body, "frameworkId"); mp_str(&body, executor.framework_id);
  mp_str(&body, "executorId"); mp_str(&body, executor.executor_id);
  if (token) { mp_str(&body, "token"); mp_str(&body, token); }
  send_message(&executor, "RegisterExecutor", &body);
  mp_free(&body);
  /* Out of the environment the task inherits, as Mesos' executor library erases it: a task that
     prints its environment would give the run's token away. (Copied into the message above.)
     Zeroed first: unsetenv alone leaves it in the initial environment block, which a task of the
     same user reads in /proc/<pid>/environ. */
  if (token) memset((char *)token, 0, strlen(token));
  unsetenv("MESOS_EXECUTOR_AUTHENTICATION_TOKEN");
  executor.health.fd = executor.check.fd = -1;
  int code = run(&executor);
  stop_checks(&executor);
  checker_free(&executor.health);
  checker_free(&executor.check);
  link_close(&executor.link);
  return code;
}
