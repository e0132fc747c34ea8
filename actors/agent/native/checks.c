/*
 * Health checks and general checks for the native command executor: see checks.h.
 * HTTPS is not spoken here: the agent gives a task with an HTTPS health check the TypeScript
 * command executor.
 */
#define _GNU_SOURCE
#include "checks.h"
#include "child.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Mesos' defaults of unset fields (lib/protocol/checks.ts: HEALTH_CHECK_DEFAULTS). */
#define DEFAULT_DELAY_SECONDS 15.0
#define DEFAULT_INTERVAL_SECONDS 10.0
#define DEFAULT_TIMEOUT_SECONDS 20.0
#define DEFAULT_CONSECUTIVE_FAILURES 3
#define DEFAULT_GRACE_PERIOD_SECONDS 10.0
/* Bytes an HTTP path keeps as they are (printable ASCII but the space); the rest are percent-encoded. */
#define URL_SAFE_MIN_BYTE 0x21
#define URL_SAFE_MAX_BYTE 0x7e
/* HTTP statuses that pass a health check (Mesos' command executors: 200-399). */
#define HTTP_PASS_MIN 200
#define HTTP_PASS_MAX 399
/*
 * Longest timing a check may give, in seconds (a year: far beyond any real check, and exact in a
 * double of ms), and most consecutive failures. The agent gives a task beyond them to the
 * TypeScript executor (actors/agent/native-checks.ts mirrors them).
 */
#define MAX_CHECK_SECONDS (365.0 * 24 * 3600)
#define MAX_CONSECUTIVE_FAILURES 1000000

static const char *const KIND_NAMES[] = {"NONE", "COMMAND", "HTTP", "TCP"};

const char *checker_type_name(const checker_t *checker) {
  return KIND_NAMES[checker->kind];
}

/* A number field in seconds as ms, `fallback` when unset; -1 when it is not a non-negative, bounded number. */
static double seconds_field(const mp_node *spec, const char *key, double fallback) {
  const mp_node *node = mp_get(spec, key);
  if (!node) return fallback * 1000.0;
  if (node->type != MP_INT && node->type != MP_DOUBLE) return -1;
  if (!isfinite(node->number) || node->number < 0 || node->number > MAX_CHECK_SECONDS) return -1;
  return node->number * 1000.0;
}

/* A port field: 1-65535, or -1. */
static int port_field(const mp_node *map) {
  const mp_node *port = mp_get(map, "port");
  if (!port || port->type != MP_INT || port->integer < 1 || port->integer > 65535) return -1;
  return (int)port->integer;
}

static void free_list(char **list) {
  for (size_t i = 0; list && list[i]; i++) free(list[i]);
  free(list);
}

/* Appends `KEY=VALUE` for each string pair of `environment` to `list` (of `*count` entries, room for `capacity`). Returns -1 when full or malformed. */
static int append_environment(char **list, size_t *count, size_t capacity, const mp_node *environment) {
  if (!environment) return 0;
  if (environment->type != MP_MAP) return -1;
  for (uint32_t i = 0; i < environment->length; i++) {
    const mp_node *key = &environment->items[2 * i], *value = &environment->items[2 * i + 1];
    if (key->type != MP_STR || value->type != MP_STR || *count >= capacity) return -1;
    size_t size = (size_t)key->length + (size_t)value->length + 2;
    char *entry = malloc(size);
    if (!entry) return -1;
    memcpy(entry, key->bytes, key->length);
    entry[key->length] = '=';
    memcpy(entry + key->length + 1, value->bytes, value->length);
    entry[size - 1] = '\0';
    list[(*count)++] = entry;
  }
  return 0;
}

/* The number of variables in an environment map (0 when absent or not a map: `append_environment` refuses the latter). */
static size_t environment_size(const mp_node *environment) {
  return environment && environment->type == MP_MAP ? environment->length : 0;
}

/* The command probe: `sh -c value`, or `value` with `arguments` as the whole argv (Mesos). */
static int configure_command(checker_t *checker, const mp_node *command, const mp_node *task_environment) {
  const mp_node *value = mp_get(command, "value"), *shell = mp_get(command, "shell"), *arguments = mp_get(command, "arguments");
  if (!value || value->type != MP_STR || value->length == 0) return -1;
  int use_shell = !shell || shell->type != MP_BOOL || shell->integer;
  uint32_t count = arguments && arguments->type == MP_ARRAY ? arguments->length : 0;
  if (count > CHECK_MAX_ARGUMENTS) return -1;
  const mp_node *own_environment = mp_get(command, "environment");
  size_t variables = environment_size(task_environment) + environment_size(own_environment);
  if (variables > CHECK_MAX_ENVIRONMENT) return -1;
  checker->argv = calloc((size_t)count + 4, sizeof(char *));
  checker->environment = calloc(variables + 1, sizeof(char *));
  if (!checker->argv || !checker->environment) return -1;
  checker->file = mp_strdup(value);
  if (use_shell) {
    checker->argv[0] = strdup("sh");
    checker->argv[1] = strdup("-c");
    checker->argv[2] = mp_strdup(value);
    free(checker->file);
    checker->file = strdup("/bin/sh");
  } else if (count == 0) {
    checker->argv[0] = mp_strdup(value);
  } else {
    for (uint32_t i = 0; i < count; i++) {
      if (arguments->items[i].type != MP_STR) return -1;
      checker->argv[i] = mp_strdup(&arguments->items[i]);
    }
  }
  if (!checker->file || !checker->argv[0]) return -1;
  size_t entries = 0;
  if (append_environment(checker->environment, &entries, variables, task_environment) < 0) return -1;
  return append_environment(checker->environment, &entries, variables, own_environment);
}

/*
 * Copies `path` into `encoded` (room for CHECK_MAX_PATH + 1), each byte outside printable ASCII
 * but the space percent-encoded, as curl sends it (lib/protocol/checks.ts `encodeCheckPath`).
 * Returns -1 when it does not fit.
 */
static int encode_path(char *encoded, const uint8_t *path, uint32_t length) {
  static const char HEX[] = "0123456789ABCDEF";
  size_t used = 0;
  for (uint32_t i = 0; i < length; i++) {
    uint8_t byte = path[i];
    int safe = byte >= URL_SAFE_MIN_BYTE && byte <= URL_SAFE_MAX_BYTE;
    if (used + (safe ? 1 : 3) > CHECK_MAX_PATH) return -1;
    if (safe) { encoded[used++] = (char)byte; continue; }
    encoded[used++] = '%';
    encoded[used++] = HEX[byte >> 4];
    encoded[used++] = HEX[byte & 0x0f];
  }
  encoded[used] = '\0';
  return 0;
}

/* The HTTP probe's request: the path percent-encoded where it must be (it goes into the request line). */
static int configure_http(checker_t *checker, const mp_node *http) {
  const mp_node *path = mp_get(http, "path"), *scheme = mp_get(http, "scheme");
  if (scheme && !mp_str_equals(scheme, "http")) return -1; /* https: the TypeScript executor's */
  if ((checker->port = port_field(http)) < 0) return -1;
  if (!path) strcpy(checker->path, "/");
  else {
    if (path->type != MP_STR || path->length == 0 || path->bytes[0] != '/') return -1;
    if (encode_path(checker->path, (const uint8_t *)path->bytes, path->length) < 0) return -1;
  }
  int written = snprintf(checker->request, sizeof checker->request,
    "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: mesos-ts-command-executor\r\nConnection: close\r\n\r\n", checker->path, checker->port);
  if (written < 0 || (size_t)written >= sizeof checker->request) return -1;
  checker->request_length = (size_t)written;
  return 0;
}

static int configure(checker_t *checker, const mp_node *spec, int health, const mp_node *task_environment) {
  const mp_node *type = mp_get(spec, "type");
  if (mp_str_equals(type, "COMMAND")) {
    const mp_node *command = mp_get(spec, "command");
    if (!health) command = mp_get(command, "command"); /* CheckInfo: command.command */
    if (!command || command->type != MP_MAP || configure_command(checker, command, task_environment) < 0) return -1;
    checker->kind = CHECK_COMMAND;
  } else if (mp_str_equals(type, "HTTP")) {
    const mp_node *http = mp_get(spec, "http");
    if (!http || http->type != MP_MAP || configure_http(checker, http) < 0) return -1;
    checker->kind = CHECK_HTTP;
  } else if (mp_str_equals(type, "TCP")) {
    const mp_node *tcp = mp_get(spec, "tcp");
    if (!tcp || tcp->type != MP_MAP || (checker->port = port_field(tcp)) < 0) return -1;
    checker->kind = CHECK_TCP;
  } else {
    return -1;
  }
  checker->delay_ms = seconds_field(spec, "delaySeconds", DEFAULT_DELAY_SECONDS);
  checker->interval_ms = seconds_field(spec, "intervalSeconds", DEFAULT_INTERVAL_SECONDS);
  checker->timeout_ms = seconds_field(spec, "timeoutSeconds", DEFAULT_TIMEOUT_SECONDS);
  checker->grace_ms = health ? seconds_field(spec, "gracePeriodSeconds", DEFAULT_GRACE_PERIOD_SECONDS) : 0;
  if (checker->delay_ms < 0 || checker->interval_ms < 0 || checker->timeout_ms < 0 || checker->grace_ms < 0) return -1;
  const mp_node *failures = mp_get(spec, "consecutiveFailures");
  if (failures && (failures->type != MP_INT || failures->integer < 0 || failures->integer > MAX_CONSECUTIVE_FAILURES)) return -1;
  checker->consecutive_limit = failures ? (long)failures->integer : DEFAULT_CONSECUTIVE_FAILURES;
  return 0;
}

int checker_configure(checker_t *checker, const mp_node *spec, int health, const mp_node *task_environment, const char *sandbox) {
  memset(checker, 0, sizeof *checker);
  checker->fd = -1;
  checker->healthy = -1;
  checker->health = health;
  checker->sandbox = sandbox;
  if (!spec || spec->type != MP_MAP) return -1;
  if (configure(checker, spec, health, task_environment) == 0) return 0;
  fprintf(stderr, "command-executor: ignoring an invalid or unsupported %s\n", health ? "health check" : "check");
  checker_free(checker);
  memset(checker, 0, sizeof *checker);
  checker->fd = -1;
  return -1;
}

void checker_free(checker_t *checker) {
  free(checker->file);
  free_list(checker->argv);
  free_list(checker->environment);
  checker->file = NULL;
  checker->argv = checker->environment = NULL;
}

void checker_start(checker_t *checker, double now_ms) {
  if (checker->kind == CHECK_NONE) return;
  checker->started_ms = now_ms;
  checker->next_at_ms = now_ms + checker->delay_ms;
}

/* Ends the running probe without a result: kills its process tree, groups and all (what it started with setsid too), or closes its socket. */
static void abort_probe(checker_t *checker) {
  if (checker->pid > 0) kill_tree(checker->pid); /* reaped by the executor's waitpid loop (as subreaper, the orphans too) */
  if (checker->fd >= 0) close(checker->fd);
  checker->pid = 0;
  checker->fd = -1;
  checker->running = 0;
  checker->deadline_ms = 0;
}

void checker_stop(checker_t *checker) {
  if (checker->kind == CHECK_NONE) return;
  abort_probe(checker);
  checker->stopped = 1;
  checker->next_at_ms = 0;
}

double checker_next_deadline(const checker_t *checker) {
  if (checker->kind == CHECK_NONE || checker->stopped) return 0;
  return checker->running ? checker->deadline_ms : checker->next_at_ms;
}

int checker_poll_fd(const checker_t *checker, short *events) {
  if (!checker->running || checker->fd < 0) return -1;
  *events = checker->connected && checker->request_sent == checker->request_length ? POLLIN : POLLOUT;
  return checker->fd;
}

/* What one probe found: `completed` with a `value`, or not (timed out, could not run). */
typedef struct {
  int completed;
  long value;
} probe_result;

static int passes(const checker_t *checker, probe_result result) {
  if (!result.completed) return 0;
  if (checker->kind == CHECK_COMMAND) return result.value == 0;
  if (checker->kind == CHECK_HTTP) return result.value >= HTTP_PASS_MIN && result.value <= HTTP_PASS_MAX;
  return result.value == 1;
}

static void health_result(checker_t *checker, probe_result result, double now_ms, check_report_fn report, void *context) {
  if (passes(checker, result)) {
    checker->passed_once = 1;
    checker->failures = 0;
    if (checker->healthy != 1) { checker->healthy = 1; report(context, checker, CHECK_EVENT_HEALTH); }
    return;
  }
  /* Failures in the grace period (from the start, its end included) count only once a probe has passed (Mesos). */
  if (!checker->passed_once && checker->grace_ms > 0 && now_ms - checker->started_ms <= checker->grace_ms) return;
  checker->failures++;
  if (checker->healthy != 0) { checker->healthy = 0; report(context, checker, CHECK_EVENT_HEALTH); }
  if (checker->failures >= checker->consecutive_limit) {
    checker_stop(checker);
    report(context, checker, CHECK_EVENT_KILL);
  }
}

static void check_result(checker_t *checker, probe_result result, check_report_fn report, void *context) {
  if (result.completed == checker->has_result && (!result.completed || result.value == checker->result)) return;
  checker->has_result = result.completed;
  checker->result = result.completed ? result.value : 0;
  report(context, checker, CHECK_EVENT_RESULT);
}

/* The probe ended (or timed out): act on it, and schedule the next one `interval` from now. */
static void finish(checker_t *checker, probe_result result, double now_ms, check_report_fn report, void *context) {
  if (checker->fd >= 0) close(checker->fd);
  checker->fd = -1;
  checker->pid = 0;
  checker->running = 0;
  checker->deadline_ms = 0;
  checker->next_at_ms = now_ms + checker->interval_ms;
  if (checker->health) health_result(checker, result, now_ms, report, context);
  else check_result(checker, result, report, context);
}

/* In the child: its own process group in the sandbox (child.c), no stdio, the environment, exec. */
static void exec_probe(const checker_t *checker, pid_t parent) {
  child_prepare(parent, checker->sandbox);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(126);
  for (size_t i = 0; checker->environment[i]; i++) putenv(checker->environment[i]);
  if (checker->sandbox) setenv("MESOS_SANDBOX", checker->sandbox, 1);
  execvp(checker->file, checker->argv);
  _exit(127);
}

/* Opens a non-blocking connection to 127.0.0.1:port; a refusal may be known at once. */
static void start_connect(checker_t *checker, double now_ms, check_report_fn report, void *context) {
  checker->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (checker->fd < 0) {
    probe_result failed = {checker->kind == CHECK_TCP, 0};
    finish(checker, failed, now_ms, report, context);
    return;
  }
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons((uint16_t)checker->port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(checker->fd, (struct sockaddr *)&address, sizeof address) == 0) {
    checker->connected = 1;
    if (checker->kind == CHECK_TCP) { probe_result opened = {1, 1}; finish(checker, opened, now_ms, report, context); }
  } else if (errno != EINPROGRESS) {
    /* TCP: the connection failed (a result); HTTP: no answer (no result). */
    probe_result refused = {checker->kind == CHECK_TCP, 0};
    finish(checker, refused, now_ms, report, context);
  }
}

static void start_probe(checker_t *checker, double now_ms, check_report_fn report, void *context) {
  checker->running = 1;
  checker->connected = 0;
  checker->request_sent = 0;
  checker->response_length = 0;
  checker->next_at_ms = 0;
  checker->deadline_ms = checker->timeout_ms > 0 ? now_ms + checker->timeout_ms : 0;
  if (checker->kind != CHECK_COMMAND) { start_connect(checker, now_ms, report, context); return; }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) exec_probe(checker, parent);
  if (pid < 0) {
    probe_result failed = {0, 0};
    finish(checker, failed, now_ms, report, context);
    return;
  }
  setpgid(pid, pid);
  checker->pid = pid;
}

void checker_on_timers(checker_t *checker, double now_ms, check_report_fn report, void *context) {
  if (checker->kind == CHECK_NONE || checker->stopped) return;
  if (checker->running && checker->deadline_ms > 0 && now_ms >= checker->deadline_ms) {
    fprintf(stderr, "command-executor: a %s %s timed out\n", checker_type_name(checker), checker->health ? "health check" : "check");
    abort_probe(checker);
    probe_result timed_out = {0, 0};
    finish(checker, timed_out, now_ms, report, context);
  } else if (!checker->running && checker->next_at_ms > 0 && now_ms >= checker->next_at_ms) {
    start_probe(checker, now_ms, report, context);
  }
}

int checker_on_exit(checker_t *checker, pid_t pid, int status, double now_ms, check_report_fn report, void *context) {
  if (checker->kind != CHECK_COMMAND || pid <= 0 || pid != checker->pid) return 0;
  kill(-pid, SIGKILL); /* whatever the probe left in its group ends with it */
  probe_result result = {WIFEXITED(status), WIFEXITED(status) ? WEXITSTATUS(status) : 0};
  finish(checker, result, now_ms, report, context);
  return 1;
}

/* The status code of `HTTP/1.x NNN ...` once the status line is in, or 0 (not yet, or malformed: then -1). */
static int status_code(const char *response, size_t length) {
  const char *end = memchr(response, '\n', length);
  if (!end) return length >= CHECK_MAX_RESPONSE ? -1 : 0;
  if (length < 12 || memcmp(response, "HTTP/1.", 7) != 0 || response[8] != ' ') return -1;
  int code = 0;
  for (int i = 9; i < 12; i++) {
    if (response[i] < '0' || response[i] > '9') return -1;
    code = code * 10 + (response[i] - '0');
  }
  return code;
}

void checker_on_socket(checker_t *checker, short revents, double now_ms, check_report_fn report, void *context) {
  if (!checker->running || checker->fd < 0) return;
  if (!checker->connected) {
    int error = 0;
    socklen_t size = sizeof error;
    if (getsockopt(checker->fd, SOL_SOCKET, SO_ERROR, &error, &size) < 0) error = errno;
    if (error == EINPROGRESS && !(revents & (POLLERR | POLLHUP))) return;
    if (checker->kind == CHECK_TCP) { probe_result result = {1, error == 0}; finish(checker, result, now_ms, report, context); return; }
    if (error != 0) { probe_result none = {0, 0}; finish(checker, none, now_ms, report, context); return; }
    checker->connected = 1;
  }
  if (checker->request_sent < checker->request_length) {
    ssize_t sent = send(checker->fd, checker->request + checker->request_sent, checker->request_length - checker->request_sent, MSG_NOSIGNAL);
    if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { probe_result none = {0, 0}; finish(checker, none, now_ms, report, context); }
    if (sent > 0) checker->request_sent += (size_t)sent;
    return;
  }
  ssize_t got = recv(checker->fd, checker->response + checker->response_length, CHECK_MAX_RESPONSE - checker->response_length, 0);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (got > 0) checker->response_length += (size_t)got;
  int code = status_code(checker->response, checker->response_length);
  if (code > 0) { probe_result answered = {1, code}; finish(checker, answered, now_ms, report, context); return; }
  if (code < 0 || got <= 0) { probe_result none = {0, 0}; finish(checker, none, now_ms, report, context); }
}
