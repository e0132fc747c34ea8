#include "msgpack.h"

#include <stdlib.h>
#include <string.h>

/* Deepest nesting accepted when decoding (protocol bodies are a few levels deep). */
#define MP_MAX_DEPTH 32

void mp_init(mp_buffer *buffer) {
  buffer->data = NULL;
  buffer->length = 0;
  buffer->capacity = 0;
}

void mp_free(mp_buffer *buffer) {
  free(buffer->data);
  mp_init(buffer);
}

void mp_bytes(mp_buffer *buffer, const void *bytes, size_t length) {
  if (buffer->length + length > buffer->capacity) {
    size_t capacity = buffer->capacity ? buffer->capacity : 256;
    while (capacity < buffer->length + length) capacity *= 2;
    uint8_t *grown = realloc(buffer->data, capacity);
    if (!grown) abort();
    buffer->data = grown;
    buffer->capacity = capacity;
  }
  memcpy(buffer->data + buffer->length, bytes, length);
  buffer->length += length;
}

static void put_byte(mp_buffer *buffer, uint8_t byte) { mp_bytes(buffer, &byte, 1); }

static void put_be(mp_buffer *buffer, uint64_t value, int bytes) {
  uint8_t out[8];
  for (int i = 0; i < bytes; i++) out[i] = (uint8_t)(value >> (8 * (bytes - 1 - i)));
  mp_bytes(buffer, out, (size_t)bytes);
}

static void put_header(mp_buffer *buffer, uint32_t count, uint8_t fix, uint8_t fix_limit, uint8_t b16, uint8_t b32) {
  if (count < fix_limit) put_byte(buffer, (uint8_t)(fix | count));
  else if (count <= 0xffff) { put_byte(buffer, b16); put_be(buffer, count, 2); }
  else { put_byte(buffer, b32); put_be(buffer, count, 4); }
}

void mp_map(mp_buffer *buffer, uint32_t pairs) { put_header(buffer, pairs, 0x80, 16, 0xde, 0xdf); }
void mp_array(mp_buffer *buffer, uint32_t items) { put_header(buffer, items, 0x90, 16, 0xdc, 0xdd); }

void mp_str(mp_buffer *buffer, const char *text) {
  size_t length = strlen(text);
  if (length < 32) put_byte(buffer, (uint8_t)(0xa0 | length));
  else if (length <= 0xff) { put_byte(buffer, 0xd9); put_be(buffer, length, 1); }
  else if (length <= 0xffff) { put_byte(buffer, 0xda); put_be(buffer, length, 2); }
  else { put_byte(buffer, 0xdb); put_be(buffer, length, 4); }
  mp_bytes(buffer, text, length);
}

void mp_int(mp_buffer *buffer, int64_t value) {
  if (value >= 0 && value < 128) put_byte(buffer, (uint8_t)value);
  else if (value < 0 && value >= -32) put_byte(buffer, (uint8_t)(0xe0 | (value + 32)));
  /* int32 when it fits: JavaScript readers decode int64 as BigInt, which a number field refuses. */
  else if (value >= INT32_MIN && value <= INT32_MAX) { put_byte(buffer, 0xd2); put_be(buffer, (uint64_t)(uint32_t)(int32_t)value, 4); }
  else { put_byte(buffer, 0xd3); put_be(buffer, (uint64_t)value, 8); }
}

void mp_double(mp_buffer *buffer, double value) {
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  put_byte(buffer, 0xcb);
  put_be(buffer, bits, 8);
}

void mp_bool(mp_buffer *buffer, int value) { put_byte(buffer, value ? 0xc3 : 0xc2); }
void mp_nil(mp_buffer *buffer) { put_byte(buffer, 0xc0); }

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct {
  const uint8_t *input;
  size_t length;
  size_t at;
} reader;

static int take(reader *r, size_t count, const uint8_t **out) {
  if (r->length - r->at < count) return 0;
  *out = r->input + r->at;
  r->at += count;
  return 1;
}

static int take_be(reader *r, int bytes, uint64_t *value) {
  const uint8_t *p;
  if (!take(r, (size_t)bytes, &p)) return 0;
  *value = 0;
  for (int i = 0; i < bytes; i++) *value = (*value << 8) | p[i];
  return 1;
}

static int decode_into(reader *r, mp_node *node, int depth);

static int decode_children(reader *r, mp_node *node, uint32_t count, int per_item, int depth) {
  size_t total = (size_t)count * (size_t)per_item;
  if (total > r->length - r->at) return 0; /* every item needs at least one byte */
  node->length = count;
  node->items = total ? calloc(total, sizeof(mp_node)) : NULL;
  if (total && !node->items) return 0;
  for (size_t i = 0; i < total; i++) if (!decode_into(r, &node->items[i], depth + 1)) return 0;
  return 1;
}

static int decode_bytes(reader *r, mp_node *node, mp_type type, uint64_t length) {
  const uint8_t *p;
  if (!take(r, (size_t)length, &p)) return 0;
  node->type = type;
  node->bytes = (const char *)p;
  node->length = (uint32_t)length;
  return 1;
}

static int decode_number(reader *r, mp_node *node, uint8_t tag) {
  uint64_t v;
  static const int widths[] = {1, 2, 4, 8};
  if (tag >= 0xcc && tag <= 0xcf) { /* uint 8..64 */
    if (!take_be(r, widths[tag - 0xcc], &v)) return 0;
    node->type = MP_INT; node->integer = (int64_t)v; node->number = (double)v;
    return 1;
  }
  if (tag >= 0xd0 && tag <= 0xd3) { /* int 8..64 */
    int width = widths[tag - 0xd0];
    if (!take_be(r, width, &v)) return 0;
    int64_t s = width == 8 ? (int64_t)v : (int64_t)(v << (64 - 8 * width)) >> (64 - 8 * width);
    node->type = MP_INT; node->integer = s; node->number = (double)s;
    return 1;
  }
  if (tag == 0xca) { /* float 32 */
    float f; uint32_t bits;
    if (!take_be(r, 4, &v)) return 0;
    bits = (uint32_t)v; memcpy(&f, &bits, 4);
    node->type = MP_DOUBLE; node->number = f;
    return 1;
  }
  if (!take_be(r, 8, &v)) return 0; /* 0xcb float 64 */
  node->type = MP_DOUBLE; memcpy(&node->number, &v, 8);
  return 1;
}

static int decode_into(reader *r, mp_node *node, int depth) {
  const uint8_t *p;
  uint64_t n;
  if (depth > MP_MAX_DEPTH || !take(r, 1, &p)) return 0;
  uint8_t tag = *p;
  memset(node, 0, sizeof *node);
  if (tag <= 0x7f) { node->type = MP_INT; node->integer = tag; node->number = tag; return 1; }
  if (tag >= 0xe0) { node->type = MP_INT; node->integer = (int8_t)tag; node->number = (int8_t)tag; return 1; }
  if ((tag & 0xf0) == 0x80) { node->type = MP_MAP; return decode_children(r, node, tag & 0x0f, 2, depth); }
  if ((tag & 0xf0) == 0x90) { node->type = MP_ARRAY; return decode_children(r, node, tag & 0x0f, 1, depth); }
  if ((tag & 0xe0) == 0xa0) return decode_bytes(r, node, MP_STR, tag & 0x1f);
  switch (tag) {
    case 0xc0: node->type = MP_NIL; return 1;
    case 0xc2: case 0xc3: node->type = MP_BOOL; node->integer = tag == 0xc3; return 1;
    case 0xc4: case 0xc5: case 0xc6: return take_be(r, 1 << (tag - 0xc4), &n) && decode_bytes(r, node, MP_BIN, n);
    case 0xd9: case 0xda: case 0xdb: return take_be(r, 1 << (tag - 0xd9), &n) && decode_bytes(r, node, MP_STR, n);
    case 0xdc: case 0xdd: node->type = MP_ARRAY; return take_be(r, tag == 0xdc ? 2 : 4, &n) && decode_children(r, node, (uint32_t)n, 1, depth);
    case 0xde: case 0xdf: node->type = MP_MAP; return take_be(r, tag == 0xde ? 2 : 4, &n) && decode_children(r, node, (uint32_t)n, 2, depth);
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: /* fixext: type byte + 1..16 bytes */
      node->type = MP_EXT; return take(r, 1 + (size_t)(1 << (tag - 0xd4)), &p);
    case 0xc7: case 0xc8: case 0xc9: /* ext 8/16/32 */
      node->type = MP_EXT; return take_be(r, 1 << (tag - 0xc7), &n) && take(r, 1 + (size_t)n, &p);
    default:
      if (tag >= 0xca && tag <= 0xd3) return decode_number(r, node, tag);
      return 0; /* 0xc1 is never used */
  }
}

static void release_children(mp_node *node) {
  size_t total = node->type == MP_MAP ? 2 * (size_t)node->length : node->type == MP_ARRAY ? node->length : 0;
  if (!node->items) return;
  for (size_t i = 0; i < total; i++) release_children(&node->items[i]);
  free(node->items);
}

size_t mp_decode(const uint8_t *input, size_t length, mp_node **out) {
  reader r = {input, length, 0};
  mp_node *root = calloc(1, sizeof *root);
  if (!root) return 0;
  if (!decode_into(&r, root, 0)) {
    mp_release(root);
    *out = NULL;
    return 0;
  }
  *out = root;
  return r.at;
}

void mp_release(mp_node *node) {
  if (!node) return;
  release_children(node);
  free(node);
}

const mp_node *mp_get(const mp_node *map, const char *key) {
  if (!map || map->type != MP_MAP) return NULL;
  for (uint32_t i = 0; i < map->length; i++) {
    if (mp_str_equals(&map->items[2 * i], key)) return &map->items[2 * i + 1];
  }
  return NULL;
}

int mp_str_equals(const mp_node *node, const char *text) {
  size_t length = strlen(text);
  return node && node->type == MP_STR && node->length == length && memcmp(node->bytes, text, length) == 0;
}

char *mp_strdup(const mp_node *node) {
  if (!node || node->type != MP_STR) return NULL;
  char *copy = malloc((size_t)node->length + 1);
  if (!copy) abort();
  memcpy(copy, node->bytes, node->length);
  copy[node->length] = '\0';
  return copy;
}
