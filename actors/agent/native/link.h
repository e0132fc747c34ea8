/*
 * A client-side actor link: one WebSocket to an actor host (the agent), speaking the host's
 * link handshake and carrying msgpack envelopes {from, to, name, body} in binary frames.
 */
#ifndef MESOS_LINK_H
#define MESOS_LINK_H

#include <stddef.h>
#include <stdint.h>
#include "msgpack.h"

/* Largest frame accepted from the agent (the hosts' MAX_FRAME_BYTES). */
#define LINK_MAX_FRAME_BYTES (16u * 1024u * 1024u)

typedef struct {
  int socket;             /* connected to the agent's host */
  int listener;           /* bound, never accepted on: reserves our advertised address */
  char local_address[64]; /* host:port we advertise (from getsockname) */
  uint8_t *in;            /* bytes received, not yet parsed into frames */
  size_t in_length;
  size_t in_capacity;
  mp_buffer message;      /* payload of a fragmented message being reassembled */
} link_t;

/* Called for each envelope in each binary message. */
typedef void (*link_envelope_fn)(void *context, const mp_node *envelope);

/* Connects to `host:port`, upgrades to a link. Returns 0, or -1 with a message on stderr. */
int link_open(link_t *link, const char *host, int port);
/* Sends one envelope in one masked binary frame. Returns 0 or -1. */
int link_send(link_t *link, const char *from, const char *to, const char *name, const mp_buffer *body);
/* Reads what the socket has and hands complete envelopes to `on_envelope`. Returns 0, or -1 when the link is closed or broken. */
int link_receive(link_t *link, link_envelope_fn on_envelope, void *context);
void link_close(link_t *link);

#endif
