/*
 * A small msgpack reader and writer: just what the command executor needs to speak the actor
 * wire format (maps with string keys, strings, integers, doubles, booleans, nil, arrays, binary).
 */
#ifndef MESOS_MSGPACK_H
#define MESOS_MSGPACK_H

#include <stddef.h>
#include <stdint.h>

/* ---- writing ---------------------------------------------------------------------------- */

typedef struct {
  uint8_t *data;
  size_t length;
  size_t capacity;
} mp_buffer;

void mp_init(mp_buffer *buffer);
void mp_free(mp_buffer *buffer);
void mp_bytes(mp_buffer *buffer, const void *bytes, size_t length);
void mp_map(mp_buffer *buffer, uint32_t pairs);
void mp_array(mp_buffer *buffer, uint32_t items);
void mp_str(mp_buffer *buffer, const char *text);
void mp_int(mp_buffer *buffer, int64_t value);
void mp_double(mp_buffer *buffer, double value);
void mp_bool(mp_buffer *buffer, int value);
void mp_nil(mp_buffer *buffer);

/* ---- reading ---------------------------------------------------------------------------- */

typedef enum { MP_NIL, MP_BOOL, MP_INT, MP_DOUBLE, MP_STR, MP_BIN, MP_ARRAY, MP_MAP, MP_EXT } mp_type;

typedef struct mp_node {
  mp_type type;
  int64_t integer;          /* MP_BOOL, MP_INT */
  double number;            /* MP_DOUBLE (also set for MP_INT) */
  const char *bytes;        /* MP_STR, MP_BIN: not NUL-terminated, points into the input */
  uint32_t length;          /* MP_STR, MP_BIN: bytes; MP_ARRAY: items; MP_MAP: pairs */
  struct mp_node *items;    /* MP_ARRAY: length items; MP_MAP: 2 * length (key, value, ...) */
} mp_node;

/*
 * Decodes one value from `input` (of `length` bytes) into a tree allocated with malloc.
 * Returns the bytes consumed, or 0 if the input is malformed or truncated. Free with mp_release.
 */
size_t mp_decode(const uint8_t *input, size_t length, mp_node **out);
void mp_release(mp_node *node);

/* The value of `key` in a map, or NULL. */
const mp_node *mp_get(const mp_node *map, const char *key);
/* A malloc'd NUL-terminated copy of a string node, or NULL if it is not a string. */
char *mp_strdup(const mp_node *node);
/* True if `node` is a string equal to `text`. */
int mp_str_equals(const mp_node *node, const char *text);

#endif
