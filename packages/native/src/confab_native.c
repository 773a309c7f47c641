/*
 * Confab's native fast path: SRTP AEAD_AES_128_GCM seal/open (RFC 7714) with one OpenSSL
 * cipher context per key, and batched UDP sends with sendmmsg(2). Nothing here parses a
 * packet: callers (TypeScript) give the header length, the IV and the destinations; this
 * file checks every length and offset before touching memory.
 *
 * It also receives: recvStart() reads a UDP socket with recvmmsg(2) on Node's own event loop
 * (a libuv poll handle on a duplicate of the socket's descriptor) and hands each run of
 * datagrams to JavaScript in one call, instead of one Buffer, one address object and one
 * callback per datagram.
 *
 * OpenSSL is Node's own: the node binary exports the EVP_* symbols (it links OpenSSL
 * statically), so the prototypes below are declared here and resolved when Node loads the
 * addon (docs/decisions/0008). Only long-stable OpenSSL 1.1/3.x entry points are used.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

typedef struct evp_cipher_st EVP_CIPHER;
typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct engine_st ENGINE;
EVP_CIPHER_CTX *EVP_CIPHER_CTX_new(void);
void EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *ctx);
const EVP_CIPHER *EVP_aes_128_gcm(void);
int EVP_CIPHER_CTX_ctrl(EVP_CIPHER_CTX *ctx, int type, int arg, void *ptr);
int EVP_EncryptInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *c, ENGINE *e, const unsigned char *key, const unsigned char *iv);
int EVP_EncryptUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl);
int EVP_EncryptFinal_ex(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl);
int EVP_DecryptInit_ex(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *c, ENGINE *e, const unsigned char *key, const unsigned char *iv);
int EVP_DecryptUpdate(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl);
int EVP_DecryptFinal_ex(EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl);
/*
 * libuv is Node's own too (the node binary exports it); the few entry points used are declared
 * here, from libuv 1.x's stable ABI (uv_handle_size and the handle data accessors: 1.19+), so
 * the build needs no libuv headers. UV_POLL is entry 8 of uv_handle_type, UV_READABLE 1.
 */
typedef struct uv_handle_s uv_handle_t;
typedef struct uv_poll_s uv_poll_t;
typedef void (*uv_poll_cb)(uv_poll_t *handle, int status, int events);
typedef void (*uv_close_cb)(uv_handle_t *handle);
size_t uv_handle_size(int type);
int uv_poll_init(struct uv_loop_s *loop, uv_poll_t *handle, int fd);
int uv_poll_start(uv_poll_t *handle, int events, uv_poll_cb cb);
int uv_poll_stop(uv_poll_t *handle);
void uv_close(uv_handle_t *handle, uv_close_cb close_cb);
void *uv_handle_get_data(const uv_handle_t *handle);
void uv_handle_set_data(uv_handle_t *handle, void *data);
#define UV_POLL_TYPE 8
#define UV_READABLE_EVENT 1

#define EVP_CTRL_GCM_GET_TAG 0x10
#define EVP_CTRL_GCM_SET_TAG 0x11

#define KEY_BYTES 16
#define IV_BYTES 12
#define TAG_BYTES 16
/* Largest packet either direction accepts: a UDP datagram's payload. */
#define MAX_PACKET 65507
/* Entries of sendBatch's Int32Array per packet: fd, offset, length, IPv4 address, port. */
#define META_FIELDS 5
/* Messages handed to one sendmmsg call (the kernel takes up to UIO_MAXIOV = 1024). */
#define MMSG_CHUNK 64
/* Most packets one sendBatch call takes. */
#define MAX_BATCH 4096

/* One key: an encryption and a decryption context, each set up once (key schedule, GHASH key). */
typedef struct {
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
} gcm_key;

/* Marks externals made by this addon, so another addon's external is refused. */
static const napi_type_tag GCM_KEY_TAG = {0x636f6e6661624e41ULL, 0x67636d6b65793031ULL};

#define CHECK(call)                                                  \
  do {                                                               \
    if ((call) != napi_ok) return throw_error(env, "napi call failed"); \
  } while (0)

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_CONFAB_NATIVE", message);
  return NULL;
}

static napi_value throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

/* A Uint8Array's (or Buffer's) bytes; false when `value` is anything else. */
static int get_bytes(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  void *raw = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  /* An empty array may have no memory at all: never hand NULL to memcpy or pointer arithmetic. */
  static uint8_t empty[1];
  *data = raw ? raw : empty;
  return 1;
}

/* A non-negative integer up to `max` (a double holding an integer); false otherwise. */
static int get_index(napi_env env, napi_value value, size_t max, size_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) return 0;
  if (!(d >= 0) || d > (double)max || d != (double)(size_t)d) return 0;
  *out = (size_t)d;
  return 1;
}

static gcm_key *get_key(napi_env env, napi_value value) {
  bool tagged = false;
  if (napi_check_object_type_tag(env, value, &GCM_KEY_TAG, &tagged) != napi_ok || !tagged) return NULL;
  void *key = NULL;
  if (napi_get_value_external(env, value, &key) != napi_ok) return NULL;
  return key;
}

/* True when [a, a+al) and [b, b+bl) share a byte. */
static int overlaps(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
  return al > 0 && bl > 0 && a < b + bl && b < a + al;
}

static void free_key(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  gcm_key *key = data;
  EVP_CIPHER_CTX_free(key->seal);
  EVP_CIPHER_CTX_free(key->open);
  free(key);
}

/* gcmKey(key: Uint8Array(16)) → external holding both contexts, freed with it. */
static napi_value gcm_key_new(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *raw;
  size_t length;
  if (argc < 1 || !get_bytes(env, argv[0], &raw, &length)) return throw_type(env, "key must be a Uint8Array");
  if (length != KEY_BYTES) return throw_range(env, "key must be 16 bytes");
  gcm_key *key = calloc(1, sizeof *key);
  if (!key) return throw_error(env, "out of memory");
  key->seal = EVP_CIPHER_CTX_new();
  key->open = EVP_CIPHER_CTX_new();
  if (!key->seal || !key->open ||
      EVP_EncryptInit_ex(key->seal, EVP_aes_128_gcm(), NULL, raw, NULL) != 1 ||
      EVP_DecryptInit_ex(key->open, EVP_aes_128_gcm(), NULL, raw, NULL) != 1) {
    free_key(env, key, NULL);
    return throw_error(env, "AES-128-GCM context set-up failed");
  }
  napi_value external;
  if (napi_create_external(env, key, free_key, NULL, &external) != napi_ok) {
    free_key(env, key, NULL);
    return throw_error(env, "napi_create_external failed");
  }
  CHECK(napi_type_tag_object(env, external, &GCM_KEY_TAG));
  return external;
}

/*
 * seal(key, iv(12), header, payload, out, outOffset) → bytes written at out[outOffset]:
 * header ‖ AES-GCM(payload, aad = header) ‖ tag (RFC 7714 §5). `out` may not overlap the inputs.
 */
static napi_value gcm_seal(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) return throw_type(env, "seal takes 6 arguments");
  gcm_key *key = get_key(env, argv[0]);
  if (!key) return throw_type(env, "key must come from gcmKey");
  uint8_t *iv, *header, *payload, *out;
  size_t iv_len, header_len, payload_len, out_len, offset;
  if (!get_bytes(env, argv[1], &iv, &iv_len) || !get_bytes(env, argv[2], &header, &header_len) ||
      !get_bytes(env, argv[3], &payload, &payload_len) || !get_bytes(env, argv[4], &out, &out_len)) {
    return throw_type(env, "iv, header, payload and out must be Uint8Arrays");
  }
  if (!get_index(env, argv[5], out_len, &offset)) return throw_range(env, "outOffset must be an integer within out");
  if (iv_len != IV_BYTES) return throw_range(env, "iv must be 12 bytes");
  if (header_len > MAX_PACKET || payload_len > MAX_PACKET || header_len + payload_len + TAG_BYTES > MAX_PACKET) {
    return throw_range(env, "packet too long");
  }
  size_t total = header_len + payload_len + TAG_BYTES;
  if (total > out_len - offset) return throw_range(env, "out too short");
  uint8_t *dst = out + offset;
  if (overlaps(dst, total, header, header_len) || overlaps(dst, total, payload, payload_len) ||
      overlaps(dst, total, iv, IV_BYTES)) {
    return throw_range(env, "out overlaps an input");
  }
  int n = 0;
  EVP_CIPHER_CTX *ctx = key->seal;
  /* Only the IV changes: the key schedule set up in gcmKey stays. */
  if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1 ||
      (header_len > 0 && EVP_EncryptUpdate(ctx, NULL, &n, header, (int)header_len) != 1)) {
    return throw_error(env, "AES-GCM seal failed");
  }
  if (header_len > 0) memcpy(dst, header, header_len);
  if ((payload_len > 0 && EVP_EncryptUpdate(ctx, dst + header_len, &n, payload, (int)payload_len) != 1) ||
      EVP_EncryptFinal_ex(ctx, dst + header_len + payload_len, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, dst + header_len + payload_len) != 1) {
    return throw_error(env, "AES-GCM seal failed");
  }
  napi_value result;
  CHECK(napi_create_uint32(env, (uint32_t)total, &result));
  return result;
}

/*
 * open(key, iv(12), packet, headerLength, out, outOffset) → bytes written at out[outOffset]
 * (header ‖ plaintext, packet.length − 16), or −1 when the tag does not authenticate (what was
 * written then is garbage). `out` at exactly `packet` decrypts in place; other overlaps are refused.
 */
static napi_value gcm_open(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) return throw_type(env, "open takes 6 arguments");
  gcm_key *key = get_key(env, argv[0]);
  if (!key) return throw_type(env, "key must come from gcmKey");
  uint8_t *iv, *packet, *out;
  size_t iv_len, packet_len, header_len, out_len, offset;
  if (!get_bytes(env, argv[1], &iv, &iv_len) || !get_bytes(env, argv[2], &packet, &packet_len) ||
      !get_bytes(env, argv[4], &out, &out_len)) {
    return throw_type(env, "iv, packet and out must be Uint8Arrays");
  }
  if (iv_len != IV_BYTES) return throw_range(env, "iv must be 12 bytes");
  if (packet_len > MAX_PACKET) return throw_range(env, "packet too long");
  if (packet_len < TAG_BYTES) return throw_range(env, "packet shorter than its tag");
  if (!get_index(env, argv[3], packet_len - TAG_BYTES, &header_len)) {
    return throw_range(env, "headerLength must be an integer within the packet before its tag");
  }
  if (!get_index(env, argv[5], out_len, &offset)) return throw_range(env, "outOffset must be an integer within out");
  size_t total = packet_len - TAG_BYTES;
  if (total > out_len - offset) return throw_range(env, "out too short");
  uint8_t *dst = out + offset;
  if (dst != packet && (overlaps(dst, total, packet, packet_len) || overlaps(dst, total, iv, IV_BYTES))) {
    return throw_range(env, "out overlaps the packet (other than exactly in place)");
  }
  size_t body_len = total - header_len;
  uint8_t tag[TAG_BYTES];
  memcpy(tag, packet + total, TAG_BYTES);
  int n = 0;
  EVP_CIPHER_CTX *ctx = key->open;
  if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1 ||
      (header_len > 0 && EVP_DecryptUpdate(ctx, NULL, &n, packet, (int)header_len) != 1)) {
    return throw_error(env, "AES-GCM open failed");
  }
  if (dst != packet && header_len > 0) memcpy(dst, packet, header_len);
  if ((body_len > 0 && EVP_DecryptUpdate(ctx, dst + header_len, &n, packet + header_len, (int)body_len) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) != 1) {
    return throw_error(env, "AES-GCM open failed");
  }
  napi_value result;
  int ok = EVP_DecryptFinal_ex(ctx, dst + total, &n) == 1;
  CHECK(napi_create_int32(env, ok ? (int32_t)total : -1, &result));
  return result;
}

/*
 * Sends msgs[0..n) on fd, never blocking; returns how many the kernel took (the others are
 * dropped). sendmmsg(2) stops at the first message that fails: a full send buffer (EAGAIN,
 * ENOBUFS) will not drain within this call, so the rest of the run is dropped at once instead
 * of costing one failing system call each; any other error concerns that one message (its
 * destination: EHOSTUNREACH, EPERM from a firewall, EMSGSIZE...), which is skipped.
 */
static uint32_t send_run(int fd, struct mmsghdr *msgs, size_t n) {
  uint32_t sent = 0;
  size_t done = 0;
  while (done < n) {
    int r = sendmmsg(fd, msgs + done, (unsigned int)(n - done), MSG_DONTWAIT);
    if (r > 0) {
      done += (size_t)r;
      sent += (uint32_t)r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EBADF || errno == ENOTSOCK)) {
      break; /* nothing more will go on this fd now */
    } else {
      done++; /* this message failed (or r == 0): drop it, go on with the next */
    }
  }
  return sent;
}

/*
 * sendBatch(meta: Int32Array, count, data: Uint8Array) → packets the kernel took. Entry i is
 * meta[5i..5i+4] = fd, offset and length in `data`, IPv4 address (host order, as int32), port;
 * fd −1 marks an entry withdrawn by the caller (its socket closed), which is not sent.
 * Entries are grouped by fd (order kept within each fd), and each group goes out in
 * sendmmsg(2) calls of up to MMSG_CHUNK messages; a packet the kernel refuses (EAGAIN: the
 * socket's send buffer is full; or any other error) is dropped, as a full queue would drop it,
 * and the rest still go. Never blocks (MSG_DONTWAIT). `data` is only read during the call: the
 * kernel has copied every datagram when it returns.
 */
static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_type(env, "sendBatch takes 3 arguments");
  bool is_typed = false;
  napi_typedarray_type type;
  size_t meta_len;
  void *meta_raw = NULL;
  if (napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[0], &type, &meta_len, &meta_raw, NULL, NULL) != napi_ok ||
      type != napi_int32_array) {
    return throw_type(env, "meta must be an Int32Array");
  }
  const int32_t *meta = meta_raw;
  size_t count;
  if (!get_index(env, argv[1], meta_len / META_FIELDS, &count)) return throw_range(env, "count exceeds meta");
  if (count > MAX_BATCH) return throw_range(env, "count exceeds 4096 packets");
  uint8_t *data;
  size_t data_len;
  if (!get_bytes(env, argv[2], &data, &data_len)) return throw_type(env, "data must be a Uint8Array");
  /* Every entry is checked before anything is sent. */
  for (size_t i = 0; i < count; i++) {
    const int32_t *m = meta + i * META_FIELDS;
    if (m[0] < -1 || m[1] < 0 || m[2] < 0 || m[2] > MAX_PACKET || (size_t)m[1] > data_len ||
        (size_t)m[2] > data_len - (size_t)m[1] || m[4] <= 0 || m[4] > 65535) {
      return throw_range(env, "a batch entry is out of range");
    }
  }
  struct mmsghdr msgs[MMSG_CHUNK];
  struct iovec iovs[MMSG_CHUNK];
  struct sockaddr_in addrs[MMSG_CHUNK];
  uint8_t taken[MAX_BATCH];
  memset(taken, 0, count);
  uint32_t sent = 0;
  for (size_t i = 0; i < count; i++) {
    if (taken[i]) continue;
    int fd = meta[i * META_FIELDS];
    if (fd < 0) continue; /* withdrawn */
    size_t j = i;
    while (j < count) {
      size_t n = 0;
      for (; j < count && n < MMSG_CHUNK; j++) {
        const int32_t *m = meta + j * META_FIELDS;
        if (taken[j] || m[0] != fd) continue;
        taken[j] = 1;
        memset(&addrs[n], 0, sizeof addrs[n]);
        addrs[n].sin_family = AF_INET;
        addrs[n].sin_addr.s_addr = htonl((uint32_t)m[3]);
        addrs[n].sin_port = htons((uint16_t)m[4]);
        iovs[n].iov_base = data + m[1];
        iovs[n].iov_len = (size_t)m[2];
        memset(&msgs[n], 0, sizeof msgs[n]);
        msgs[n].msg_hdr.msg_name = &addrs[n];
        msgs[n].msg_hdr.msg_namelen = sizeof addrs[n];
        msgs[n].msg_hdr.msg_iov = &iovs[n];
        msgs[n].msg_hdr.msg_iovlen = 1;
        n++;
      }
      if (n > 0) sent += send_run(fd, msgs, n);
    }
  }
  napi_value result;
  CHECK(napi_create_uint32(env, sent, &result));
  return result;
}

/* udpFamily(fd) → 4 for a bound AF_INET datagram socket, 6 for AF_INET6, 0 for anything else. */
static napi_value udp_family(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t fd;
  int family = 0;
  if (argc >= 1 && get_index(env, argv[0], INT_MAX, &fd)) {
    int socktype = 0;
    socklen_t len = sizeof socktype;
    struct sockaddr_storage addr;
    socklen_t addr_len = sizeof addr;
    if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &socktype, &len) == 0 && socktype == SOCK_DGRAM &&
        getsockname((int)fd, (struct sockaddr *)&addr, &addr_len) == 0) {
      family = addr.ss_family == AF_INET ? 4 : addr.ss_family == AF_INET6 ? 6 : 0;
    }
  }
  napi_value result;
  CHECK(napi_create_int32(env, family, &result));
  return result;
}

/*
 * mallocStats() → [arena bytes, in use, free inside the arenas, mmapped chunks] of the whole
 * process (glibc's mallinfo2, all threads' arenas), or undefined where malloc is not glibc's
 * (2.33 or later). mallocTrim() → whether malloc_trim(0) gave memory back to the system: the
 * free pages inside every arena, not only at their tops (glibc keeps those otherwise).
 */
static napi_value allocator_stats(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();
  double figures[4] = {(double)(mi.arena), (double)mi.uordblks, (double)mi.fordblks, (double)mi.hblkhd};
  CHECK(napi_create_array_with_length(env, 4, &result));
  for (uint32_t i = 0; i < 4; i++) {
    napi_value figure;
    CHECK(napi_create_double(env, figures[i], &figure));
    CHECK(napi_set_element(env, result, i, figure));
  }
#else
  CHECK(napi_get_undefined(env, &result));
#endif
  return result;
}

static napi_value malloc_trim_all(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#if defined(__GLIBC__)
  CHECK(napi_get_boolean(env, malloc_trim(0) == 1, &result));
#else
  CHECK(napi_get_boolean(env, false, &result));
#endif
  return result;
}


/* ---- Receiving: recvmmsg(2) on Node's event loop ---- */

/* Datagrams one recvmmsg call reads, and the bytes kept for each (a longer one is cut, and reported so). */
#define RECV_SLOTS 32
#define RECV_SLOT_BYTES 8192
/* Entries of the receive meta Int32Array per datagram: length (−1: cut or not IPv4), IPv4 address, port. */
#define RECV_META_FIELDS 3
/* Datagrams read per wake-up before the loop runs its other handles (it comes back at once: level-triggered). */
#define RECV_TURN_MAX 256

typedef struct udp_receiver udp_receiver;

/* A duplicate of `fd` that is not inherited by child processes; −1 on failure. */
static int fcntl_dup(size_t fd) {
  return fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
}

/* What JavaScript holds: freed with its external; `r` is cleared when the receiver is gone. */
typedef struct {
  udp_receiver *r;
} receiver_token;

struct udp_receiver {
  napi_env env;
  uv_poll_t *poll;
  int fd; /* a duplicate of the socket's descriptor, owned (closed with the receiver) */
  int closing;
  napi_ref callback;
  napi_ref arena_ref;
  napi_ref meta_ref;
  napi_async_context async;
  napi_async_cleanup_hook_handle hook;
  receiver_token *token;
  uint8_t *arena;
  int32_t *meta;
  struct mmsghdr msgs[RECV_SLOTS];
  struct iovec iovs[RECV_SLOTS];
  struct sockaddr_in addrs[RECV_SLOTS];
};

static const napi_type_tag RECEIVER_TAG = {0x636f6e6661625256ULL, 0x6563656976657231ULL};

/* Everything is released here, once the poll handle is closed (libuv calls back on the loop). */
static void receiver_closed(uv_handle_t *handle) {
  udp_receiver *r = uv_handle_get_data(handle);
  close(r->fd);
  free(r->poll);
  if (r->token) r->token->r = NULL;
  napi_env env = r->env;
  if (r->callback) napi_delete_reference(env, r->callback);
  if (r->arena_ref) napi_delete_reference(env, r->arena_ref);
  if (r->meta_ref) napi_delete_reference(env, r->meta_ref);
  if (r->async) napi_async_destroy(env, r->async);
  napi_async_cleanup_hook_handle hook = r->hook;
  free(r);
  /* Last: after it, the environment may go away (this was its exit cleanup). */
  if (hook) napi_remove_async_cleanup_hook(hook);
}

/* Stops reading and starts closing; idempotent. `from_hook`: the environment is exiting. */
static void receiver_close(udp_receiver *r, int from_hook) {
  if (r->closing) return;
  r->closing = 1;
  if (!from_hook && r->hook) {
    /* Closed by JavaScript: the exit hook is not needed any more. */
    napi_remove_async_cleanup_hook(r->hook);
    r->hook = NULL;
  }
  uv_poll_stop(r->poll);
  uv_close((uv_handle_t *)r->poll, receiver_closed);
}

static void receiver_exit_hook(napi_async_cleanup_hook_handle handle, void *arg) {
  udp_receiver *r = arg;
  r->hook = handle;
  if (r->closing) {
    /* Already closing: receiver_closed removes the hook. */
    return;
  }
  receiver_close(r, 1);
}

/*
 * Reads up to RECV_SLOTS datagrams without blocking into the arena (slot i at i × RECV_SLOT_BYTES)
 * and describes them in meta; returns how many (0: none waiting, or an error that concerns
 * no datagram).
 */
static int receive_run(udp_receiver *r) {
  for (int i = 0; i < RECV_SLOTS; i++) {
    r->iovs[i].iov_base = r->arena + (size_t)i * RECV_SLOT_BYTES;
    r->iovs[i].iov_len = RECV_SLOT_BYTES;
    memset(&r->msgs[i], 0, sizeof r->msgs[i]);
    r->msgs[i].msg_hdr.msg_name = &r->addrs[i];
    r->msgs[i].msg_hdr.msg_namelen = sizeof r->addrs[i];
    r->msgs[i].msg_hdr.msg_iov = &r->iovs[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do {
    n = recvmmsg(r->fd, r->msgs, RECV_SLOTS, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      /* A queued socket error (e.g. an ICMP report): reading SO_ERROR clears it. */
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &error, &len);
    }
    return 0;
  }
  for (int i = 0; i < n; i++) {
    int32_t *m = r->meta + (size_t)i * RECV_META_FIELDS;
    const struct msghdr *h = &r->msgs[i].msg_hdr;
    int ipv4 = h->msg_namelen >= sizeof(struct sockaddr_in) && r->addrs[i].sin_family == AF_INET;
    if ((h->msg_flags & MSG_TRUNC) || !ipv4 || r->msgs[i].msg_len > RECV_SLOT_BYTES) {
      m[0] = -1;
      m[1] = 0;
      m[2] = 0;
      continue;
    }
    m[0] = (int32_t)r->msgs[i].msg_len;
    m[1] = (int32_t)ntohl(r->addrs[i].sin_addr.s_addr);
    m[2] = ntohs(r->addrs[i].sin_port);
  }
  return n;
}

static void receiver_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  udp_receiver *r = uv_handle_get_data((uv_handle_t *)poll);
  if (r->closing || status < 0) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, recv, count, result;
  if (napi_get_reference_value(env, r->callback, &callback) == napi_ok && callback && napi_get_global(env, &recv) == napi_ok) {
    /* napi_make_callback wants an object as `this`: the global, as for a plain call. */
    int total = 0;
    while (total < RECV_TURN_MAX && !r->closing) {
      int n = receive_run(r);
      if (n <= 0) break;
      total += n;
      if (napi_create_int32(env, n, &count) != napi_ok) break;
      /* The callback catches its own errors; any other failure (the thread is ending) stops the run. */
      if (napi_make_callback(env, r->async, recv, callback, 1, &count, &result) != napi_ok) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
        break;
      }
      if (n < RECV_SLOTS) break;
    }
  }
  napi_close_handle_scope(env, scope);
}

static void free_token(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  receiver_token *token = data;
  if (token->r) token->r->token = NULL;
  free(token);
}

/*
 * recvStart(fd, arena: Uint8Array(RECV_SLOTS × RECV_SLOT_BYTES), meta: Int32Array(RECV_SLOTS ×
 * RECV_META_FIELDS), onDatagrams(count)) → a receiver. From now on, whenever the UDP socket
 * `fd` is readable, its datagrams are read (on a duplicate of `fd`) into `arena` and described
 * in `meta`, and onDatagrams(count) is called for each run of up to RECV_SLOTS of them; the
 * arena is reused by the next run, so the callback copies what it keeps. The caller stops
 * Node's own reading of the socket. The receiver reads until recvStop() or the thread's exit.
 */
static napi_value recv_start(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return throw_type(env, "recvStart takes 4 arguments");
  size_t fd;
  if (!get_index(env, argv[0], INT_MAX, &fd)) return throw_range(env, "fd must be a descriptor number");
  uint8_t *arena;
  size_t arena_len;
  if (!get_bytes(env, argv[1], &arena, &arena_len)) return throw_type(env, "arena must be a Uint8Array");
  if (arena_len != (size_t)RECV_SLOTS * RECV_SLOT_BYTES) return throw_range(env, "arena must be RECV_SLOTS x RECV_SLOT_BYTES bytes");
  bool is_typed = false;
  napi_typedarray_type type;
  size_t meta_len;
  void *meta_raw = NULL;
  if (napi_is_typedarray(env, argv[2], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[2], &type, &meta_len, &meta_raw, NULL, NULL) != napi_ok || type != napi_int32_array) {
    return throw_type(env, "meta must be an Int32Array");
  }
  if (meta_len != (size_t)RECV_SLOTS * RECV_META_FIELDS) return throw_range(env, "meta must be RECV_SLOTS x 3 entries");
  napi_valuetype kind;
  if (napi_typeof(env, argv[3], &kind) != napi_ok || kind != napi_function) return throw_type(env, "onDatagrams must be a function");
  int socktype = 0;
  socklen_t len = sizeof socktype;
  if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &socktype, &len) != 0 || socktype != SOCK_DGRAM) {
    return throw_range(env, "fd is not a datagram socket");
  }
  struct uv_loop_s *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  udp_receiver *r = calloc(1, sizeof *r);
  receiver_token *token = calloc(1, sizeof *token);
  uv_poll_t *poll = malloc(uv_handle_size(UV_POLL_TYPE));
  int dup_fd = fcntl_dup(fd);
  if (!r || !token || !poll || dup_fd < 0) {
    free(r);
    free(token);
    free(poll);
    if (dup_fd >= 0) close(dup_fd);
    return throw_error(env, "receiver set-up failed (memory or descriptors)");
  }
  r->env = env;
  r->poll = poll;
  r->fd = dup_fd;
  r->arena = arena;
  r->meta = meta_raw;
  r->token = token;
  token->r = r;
  napi_value name, external;
  if (uv_poll_init(loop, poll, dup_fd) != 0) {
    close(dup_fd);
    free(poll);
    free(r);
    free(token);
    return throw_error(env, "uv_poll_init failed");
  }
  uv_handle_set_data((uv_handle_t *)poll, r);
  /* From here on, failures close through the handle (receiver_closed frees what was set). */
  if (napi_create_reference(env, argv[3], 1, &r->callback) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &r->arena_ref) != napi_ok ||
      napi_create_reference(env, argv[2], 1, &r->meta_ref) != napi_ok ||
      napi_create_string_utf8(env, "ConfabUdpReceive", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &r->async) != napi_ok ||
      napi_create_external(env, token, free_token, NULL, &external) != napi_ok) {
    r->token = NULL;
    free(token);
    receiver_close(r, 0);
    return throw_error(env, "receiver set-up failed (napi)");
  }
  if (napi_type_tag_object(env, external, &RECEIVER_TAG) != napi_ok ||
      napi_add_async_cleanup_hook(env, receiver_exit_hook, r, &r->hook) != napi_ok ||
      uv_poll_start(poll, UV_READABLE_EVENT, receiver_readable) != 0) {
    receiver_close(r, 0);
    return throw_error(env, "receiver start failed");
  }
  return external;
}

/* recvStop(receiver): stops reading and closes the duplicate descriptor; idempotent. */
static napi_value recv_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool tagged = false;
  if (argc < 1 || napi_check_object_type_tag(env, argv[0], &RECEIVER_TAG, &tagged) != napi_ok || !tagged) {
    return throw_type(env, "not a receiver");
  }
  void *data = NULL;
  CHECK(napi_get_value_external(env, argv[0], &data));
  receiver_token *token = data;
  if (token->r) receiver_close(token->r, 0);
  napi_value result;
  CHECK(napi_get_undefined(env, &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"gcmKey", NULL, gcm_key_new, NULL, NULL, NULL, napi_enumerable, NULL},
      {"seal", NULL, gcm_seal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, gcm_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendBatch", NULL, send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"udpFamily", NULL, udp_family, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvStart", NULL, recv_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recvStop", NULL, recv_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mallocStats", NULL, allocator_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mallocTrim", NULL, malloc_trim_all, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
