/*
 * The kernel's floor for the fan-out benchmarks (`npm run bench -- --scenario floor-10`): a UDP
 * relay that does nothing but what any SFU must ask of the kernel. It waits in epoll, reads
 * every datagram waiting on its socket, and sends each one to every destination with
 * sendmmsg(2): no crypto, no parsing, no allocation. Its CPU time per forwarded packet, in the
 * bench's traffic shape, is what the kernel (and on a VM the hypervisor) charges an SFU on this
 * machine before the SFU does any work of its own.
 *
 * usage: floor-relay <listen port> <shared|per-destination> <destination port>...
 *   shared: one socket sends to every destination (Confab with RTC_UDP_PORT);
 *   per-destination: a socket per destination, one sendmmsg per socket and turn (Confab's
 *   socket per peer connection).
 * Everything is on 127.0.0.1. Compiled by the bench with the system's cc (gcc -O2).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_DESTINATIONS 256
#define MAX_BATCH 64
#define MAX_DATAGRAM 2048

static int udp_socket(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    perror("socket");
    exit(1);
  }
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("bind");
    exit(1);
  }
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s <listen port> <shared|per-destination> <destination port>...\n", argv[0]);
    return 2;
  }
  int shared = strcmp(argv[2], "shared") == 0;
  int destinations = argc - 3;
  if (destinations > MAX_DESTINATIONS) {
    fprintf(stderr, "at most %d destinations\n", MAX_DESTINATIONS);
    return 2;
  }
  static struct sockaddr_in to[MAX_DESTINATIONS];
  static int senders[MAX_DESTINATIONS];
  int in = udp_socket(atoi(argv[1]));
  for (int d = 0; d < destinations; d++) {
    to[d] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(atoi(argv[3 + d])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    senders[d] = shared ? in : udp_socket(0);
  }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = in};
  epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev);

  static unsigned char buffers[MAX_BATCH][MAX_DATAGRAM];
  static struct iovec iov[MAX_BATCH];
  static size_t lengths[MAX_BATCH];
  static struct mmsghdr out[MAX_BATCH * MAX_DESTINATIONS];
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    struct epoll_event ready;
    int n = epoll_wait(ep, &ready, 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      perror("epoll_wait");
      return 1;
    }
    // Everything that waits, as an event loop's turn reads it.
    int count = 0;
    while (count < MAX_BATCH) {
      ssize_t got = recv(in, buffers[count], MAX_DATAGRAM, 0);
      if (got < 0) break;
      lengths[count++] = (size_t)got;
    }
    if (count == 0) continue;
    if (shared) {
      // The whole turn's fan-out in as few calls as the kernel allows.
      int m = 0;
      for (int i = 0; i < count; i++) {
        iov[i] = (struct iovec){.iov_base = buffers[i], .iov_len = lengths[i]};
        for (int d = 0; d < destinations; d++) {
          out[m++].msg_hdr = (struct msghdr){.msg_name = &to[d], .msg_namelen = sizeof to[d], .msg_iov = &iov[i], .msg_iovlen = 1};
        }
      }
      for (int sent = 0; sent < m;) {
        int r = sendmmsg(in, out + sent, (unsigned)(m - sent), 0);
        if (r <= 0) break;
        sent += r;
      }
    } else {
      for (int i = 0; i < count; i++) iov[i] = (struct iovec){.iov_base = buffers[i], .iov_len = lengths[i]};
      for (int d = 0; d < destinations; d++) {
        for (int i = 0; i < count; i++) {
          out[i].msg_hdr = (struct msghdr){.msg_name = &to[d], .msg_namelen = sizeof to[d], .msg_iov = &iov[i], .msg_iovlen = 1};
        }
        sendmmsg(senders[d], out, (unsigned)count, 0);
      }
    }
  }
}
