#define _GNU_SOURCE
#include "link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Longest HTTP upgrade response accepted. */
#define LINK_MAX_HANDSHAKE_BYTES 8192
/* How long the executor waits for the agent's verification request to arrive whole (the agent gives up after 2 s). */
#define LINK_VERIFY_READ_TIMEOUT_MS 2000
/* Longest the agent may take to answer our link handshake (it verifies our address first: the
   agent's LINK_VERIFY_TIMEOUT_MS, 2 s, and a busy agent's mailbox: ample margin); past it the executor gives up with a line. */
#define LINK_HANDSHAKE_TIMEOUT_MS 30000
/* The request line of the agent's dial verification (lib/process/links.ts LINK_VERIFY_PATH). */
static const char VERIFY_REQUEST_PREFIX[] = "GET /__actors__/verify?";

static void random_bytes(uint8_t *out, size_t length) {
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0 || read(fd, out, length) != (ssize_t)length) {
    for (size_t i = 0; i < length; i++) out[i] = (uint8_t)rand();
  }
  if (fd >= 0) close(fd);
}

static void base64(const uint8_t *in, size_t length, char *out) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < length; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < length ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < length ? in[i + 2] : 0);
    out[o++] = alphabet[(v >> 18) & 63];
    out[o++] = alphabet[(v >> 12) & 63];
    out[o++] = i + 1 < length ? alphabet[(v >> 6) & 63] : '=';
    out[o++] = i + 2 < length ? alphabet[v & 63] : '=';
  }
  out[o] = '\0';
}

static int write_all(int fd, const uint8_t *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

/* A listening socket on the connected interface: its port makes our advertised address unique. */
static int reserve_address(link_t *link) {
  struct sockaddr_in local;
  socklen_t size = sizeof local;
  if (getsockname(link->socket, (struct sockaddr *)&local, &size) < 0) return -1;
  link->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  local.sin_port = 0;
  if (link->listener < 0 || bind(link->listener, (struct sockaddr *)&local, sizeof local) < 0 || listen(link->listener, 1) < 0) return -1;
  size = sizeof local;
  if (getsockname(link->listener, (struct sockaddr *)&local, &size) < 0) return -1;
  char ip[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &local.sin_addr, ip, sizeof ip);
  snprintf(link->local_address, sizeof link->local_address, "%s:%d", ip, ntohs(local.sin_port));
  return 0;
}

static long long monotonic_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int connect_to(link_t *link, const char *host, int port) {
  struct addrinfo hints = {0}, *found = NULL;
  char port_text[16];
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  snprintf(port_text, sizeof port_text, "%d", port);
  if (getaddrinfo(host, port_text, &hints, &found) != 0 || !found) return -1;
  link->socket = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int ok = link->socket >= 0 && connect(link->socket, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!ok) return -1;
  int one = 1;
  setsockopt(link->socket, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return 0;
}

/*
 * The agent asks the address we claim to confirm our dial (GET /__actors__/verify?...&nonce=N)
 * before it takes the link: answer one such request on our listener, 204 if it names our nonce.
 */
static void answer_verification(link_t *link, const char *nonce) {
  int peer = accept(link->listener, NULL, NULL);
  if (peer < 0) return;
  char request[LINK_MAX_HANDSHAKE_BYTES + 1];
  size_t got = 0;
  struct pollfd readable = {peer, POLLIN, 0};
  while (got < LINK_MAX_HANDSHAKE_BYTES && poll(&readable, 1, LINK_VERIFY_READ_TIMEOUT_MS) > 0) {
    ssize_t n = read(peer, request + got, LINK_MAX_HANDSHAKE_BYTES - got);
    if (n <= 0) break;
    got += (size_t)n;
    request[got] = '\0';
    if (strstr(request, "\r\n\r\n") != NULL) break;
  }
  request[got] = '\0';
  char expected[64];
  snprintf(expected, sizeof expected, "nonce=%s", nonce);
  int confirmed = strncmp(request, VERIFY_REQUEST_PREFIX, sizeof VERIFY_REQUEST_PREFIX - 1) == 0 && strstr(request, expected) != NULL;
  const char *answer = confirmed
    ? "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    : "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  write_all(peer, (const uint8_t *)answer, strlen(answer));
  close(peer);
}

static int handshake(link_t *link, const char *host, int port) {
  uint8_t key[16], incarnation[8], nonce_bytes[16];
  char key_text[32], nonce[33], request[1024], response[LINK_MAX_HANDSHAKE_BYTES + 1];
  random_bytes(key, sizeof key);
  random_bytes(incarnation, sizeof incarnation);
  random_bytes(nonce_bytes, sizeof nonce_bytes);
  for (size_t i = 0; i < sizeof nonce_bytes; i++) snprintf(nonce + 2 * i, 3, "%02x", nonce_bytes[i]);
  base64(key, sizeof key, key_text);
  int length = snprintf(request, sizeof request,
    "GET /__actors__/link HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nx-actor-host: %s\r\n"
    "x-actor-incarnation: %02x%02x%02x%02x%02x%02x%02x%02x\r\nx-actor-link-nonce: %s\r\n\r\n",
    host, port, key_text, link->local_address, incarnation[0], incarnation[1], incarnation[2], incarnation[3],
    incarnation[4], incarnation[5], incarnation[6], incarnation[7], nonce);
  if (write_all(link->socket, (const uint8_t *)request, (size_t)length) < 0) return -1;
  /* Until the agent answers, it may ask our listener to confirm the dial; it must answer in time. */
  long long deadline = monotonic_ms() + LINK_HANDSHAKE_TIMEOUT_MS;
  for (;;) {
    struct pollfd fds[2] = {{link->socket, POLLIN, 0}, {link->listener, POLLIN, 0}};
    long long left = deadline - monotonic_ms();
    int ready = left > 0 ? poll(fds, 2, (int)left) : 0;
    if (ready < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (ready == 0) {
      fprintf(stderr, "link: the agent did not answer the link handshake within %d ms\n", LINK_HANDSHAKE_TIMEOUT_MS);
      return -1;
    }
    if (fds[1].revents & POLLIN) answer_verification(link, nonce);
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) break;
  }
  size_t got = 0;
  while (got < LINK_MAX_HANDSHAKE_BYTES) {
    ssize_t n = read(link->socket, response + got, 1); /* byte by byte: frames may follow the headers */
    if (n <= 0) return -1;
    got += (size_t)n;
    response[got] = '\0';
    if (got >= 4 && memcmp(response + got - 4, "\r\n\r\n", 4) == 0) break;
  }
  if (strncmp(response, "HTTP/1.1 101", 12) != 0) {
    fprintf(stderr, "link: the agent refused the link: %.*s\n", (int)strcspn(response, "\r\n"), response);
    return -1;
  }
  return 0;
}

int link_open(link_t *link, const char *host, int port) {
  memset(link, 0, sizeof *link);
  link->socket = link->listener = -1;
  mp_init(&link->message);
  if (connect_to(link, host, port) < 0) {
    fprintf(stderr, "link: cannot connect to %s:%d: %s\n", host, port, strerror(errno));
    return -1;
  }
  if (reserve_address(link) < 0 || handshake(link, host, port) < 0) return -1;
  return 0;
}

int link_send(link_t *link, const char *from, const char *to, const char *name, const mp_buffer *body) {
  mp_buffer payload, frame;
  mp_init(&payload);
  mp_init(&frame);
  mp_map(&payload, 4);
  mp_str(&payload, "from"); mp_str(&payload, from);
  mp_str(&payload, "to"); mp_str(&payload, to);
  mp_str(&payload, "name"); mp_str(&payload, name);
  mp_str(&payload, "body"); mp_bytes(&payload, body->data, body->length);
  uint8_t header[14];
  size_t header_length = 2;
  header[0] = 0x82; /* FIN + binary */
  if (payload.length < 126) header[1] = (uint8_t)(0x80 | payload.length);
  else if (payload.length <= 0xffff) {
    header[1] = 0x80 | 126; header[2] = (uint8_t)(payload.length >> 8); header[3] = (uint8_t)payload.length; header_length = 4;
  } else {
    header[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++) header[2 + i] = (uint8_t)((uint64_t)payload.length >> (56 - 8 * i));
    header_length = 10;
  }
  uint8_t mask[4];
  random_bytes(mask, 4);
  memcpy(header + header_length, mask, 4);
  header_length += 4;
  for (size_t i = 0; i < payload.length; i++) payload.data[i] ^= mask[i & 3];
  mp_bytes(&frame, header, header_length);
  mp_bytes(&frame, payload.data, payload.length);
  int result = write_all(link->socket, frame.data, frame.length);
  mp_free(&payload);
  mp_free(&frame);
  return result;
}

static int send_control(link_t *link, uint8_t opcode, const uint8_t *data, size_t length) {
  uint8_t frame[2 + 4 + 125];
  if (length > 125) length = 125;
  frame[0] = (uint8_t)(0x80 | opcode);
  frame[1] = (uint8_t)(0x80 | length);
  memset(frame + 2, 0, 4); /* a zero mask is a valid mask */
  memcpy(frame + 6, data, length);
  return write_all(link->socket, frame, 6 + length);
}

static void deliver(link_t *link, const uint8_t *data, size_t length, link_envelope_fn on_envelope, void *context) {
  size_t at = 0;
  while (at < length) {
    mp_node *envelope = NULL;
    size_t used = mp_decode(data + at, length - at, &envelope);
    if (used == 0) {
      fprintf(stderr, "link: dropping an undecodable frame from the agent\n");
      return;
    }
    on_envelope(context, envelope);
    mp_release(envelope);
    at += used;
  }
  (void)link;
}

/* Parses one frame from the buffer; returns bytes used, 0 if incomplete, -1 on close or error. */
static long parse_frame(link_t *link, link_envelope_fn on_envelope, void *context) {
  const uint8_t *in = link->in;
  size_t available = link->in_length, header = 2;
  if (available < 2) return 0;
  int fin = in[0] & 0x80, opcode = in[0] & 0x0f, masked = in[1] & 0x80;
  uint64_t length = in[1] & 0x7f;
  if (length == 126) { if (available < 4) return 0; length = (uint64_t)in[2] << 8 | in[3]; header = 4; }
  else if (length == 127) { if (available < 10) return 0; length = 0; for (int i = 0; i < 8; i++) length = length << 8 | in[2 + i]; header = 10; }
  if (length > LINK_MAX_FRAME_BYTES) { fprintf(stderr, "link: frame of %llu bytes is over the limit\n", (unsigned long long)length); return -1; }
  size_t mask_at = header;
  if (masked) header += 4;
  if (available < header + length) return 0;
  uint8_t *payload = link->in + header;
  if (masked) for (uint64_t i = 0; i < length; i++) payload[i] ^= in[mask_at + (i & 3)];
  if (opcode == 0x8) return -1;                                                   /* close */
  if (opcode == 0x9 && send_control(link, 0xA, payload, (size_t)length) < 0) return -1; /* ping → pong */
  if (opcode == 0x2 || opcode == 0x0) {
    if (fin && opcode == 0x2) deliver(link, payload, (size_t)length, on_envelope, context);
    else {
      mp_bytes(&link->message, payload, (size_t)length);
      if (fin) { deliver(link, link->message.data, link->message.length, on_envelope, context); link->message.length = 0; }
    }
  }
  return (long)(header + length);
}

int link_receive(link_t *link, link_envelope_fn on_envelope, void *context) {
  if (link->in_capacity - link->in_length < 65536) {
    size_t capacity = link->in_capacity ? link->in_capacity * 2 : 131072;
    uint8_t *grown = realloc(link->in, capacity);
    if (!grown) abort();
    link->in = grown;
    link->in_capacity = capacity;
  }
  ssize_t n = read(link->socket, link->in + link->in_length, link->in_capacity - link->in_length);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  if (n <= 0) return -1;
  link->in_length += (size_t)n;
  for (;;) {
    long used = parse_frame(link, on_envelope, context);
    if (used < 0) return -1;
    if (used == 0) return 0;
    memmove(link->in, link->in + used, link->in_length - (size_t)used);
    link->in_length -= (size_t)used;
  }
}

void link_close(link_t *link) {
  if (link->socket >= 0) close(link->socket);
  if (link->listener >= 0) close(link->listener);
  free(link->in);
  mp_free(&link->message);
  link->socket = link->listener = -1;
}
