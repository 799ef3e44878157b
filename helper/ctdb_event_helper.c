/*
 * ctdb_event_helper: runs the scripts of one or more events for ctdbd.
 *
 * ctdbd starts this small program with posix_spawn (vfork semantics), so
 * the daemon itself is never forked. Command line and result records are
 * described in src/event/helper_proto.h. Plain C, libc only.
 *
 * Per job (event): the script directory is re-read; entries named
 * "NN.name" (two digits, '.', not ending in '~', at most 31 bytes) are
 * taken in byte order (strcmp, i.e. the C locale). An entry that is not an
 * executable regular file is reported DISABLED and skipped; a failed stat()
 * is MISSING. Each script runs in its own process group with argv
 * [path, EVENT, ARGS...] and the helper's environment; stdout and stderr
 * share one pipe of which the last EH_MAX_OUTPUT bytes are kept. The job
 * stops after the first script that did not exit 0. When the job deadline
 * passes the running script's whole group gets SIGKILL. After every script
 * its group is SIGKILLed too, so no stray background child survives (as
 * CTDB 4.17's run_proc does).
 *
 * SIGTERM: the current script group is killed and the helper exits 1.
 * Exit status: 0 after all jobs ran, 1 on a usage or result-pipe error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event/helper_proto.h"

extern char** environ;

static int result_fd = -1;
static int sig_fd = -1;
static pid_t current_pgid = 0;

static void die(const char* msg) {
  fprintf(stderr, "ctdb_event_helper: %s\n", msg);
  if (current_pgid > 0) kill(-current_pgid, SIGKILL);
  exit(1);
}

static int64_t now_us(clockid_t clk) {
  struct timespec ts;
  clock_gettime(clk, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void write_all(const void* buf, size_t len) {
  const char* p = buf;
  while (len > 0) {
    ssize_t n = write(result_fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("result pipe write failed");
    p += n;
    len -= (size_t)n;
  }
}

/* One record = header + up to three payload pieces, written at once. */
static void send_record(uint32_t type, const void* a, size_t alen, const void* b, size_t blen,
                        const void* c, size_t clen) {
  static char buf[sizeof(struct eh_rec_hdr) + EH_MAX_RECORD];
  struct eh_rec_hdr h = {type, (uint32_t)(alen + blen + clen)};
  if (h.len > EH_MAX_RECORD) die("record too large");
  size_t off = 0;
  memcpy(buf, &h, sizeof h);
  off += sizeof h;
  if (alen) memcpy(buf + off, a, alen), off += alen;
  if (blen) memcpy(buf + off, b, blen), off += blen;
  if (clen) memcpy(buf + off, c, clen), off += clen;
  write_all(buf, off);
}

static int name_filter(const struct dirent* de) {
  size_t len = strlen(de->d_name);
  if (len < 3 || len > EH_MAX_SCRIPT_NAME) return 0;
  if (de->d_name[len - 1] == '~') return 0;
  if (de->d_name[0] < '0' || de->d_name[0] > '9') return 0;
  if (de->d_name[1] < '0' || de->d_name[1] > '9') return 0;
  return de->d_name[2] == '.';
}

static int name_cmp(const struct dirent** a, const struct dirent** b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

/* Output ring: the last EH_MAX_OUTPUT bytes. */
struct ring {
  char data[EH_MAX_OUTPUT];
  size_t start, len;
  uint32_t total;
};

static void ring_add(struct ring* r, const char* p, size_t n) {
  r->total = (r->total + n < r->total) ? UINT32_MAX : r->total + (uint32_t)n;
  for (size_t i = 0; i < n; i++) {
    size_t pos = (r->start + r->len) % EH_MAX_OUTPUT;
    r->data[pos] = p[i];
    if (r->len < EH_MAX_OUTPUT)
      r->len++;
    else
      r->start = (r->start + 1) % EH_MAX_OUTPUT;
  }
}

static size_t ring_copy(const struct ring* r, char* out) {
  for (size_t i = 0; i < r->len; i++) out[i] = r->data[(r->start + i) % EH_MAX_OUTPUT];
  return r->len;
}

static int drain(int fd, struct ring* r) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      ring_add(r, buf, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n == 0 ? 0 : (errno == EAGAIN ? 1 : 0); /* 0: EOF/error, 1: would block */
  }
}

static void send_done(uint32_t job, uint32_t kind, int32_t code, const char* name,
                      int64_t start, struct ring* out) {
  static char obuf[EH_MAX_OUTPUT];
  struct eh_script_done d;
  memset(&d, 0, sizeof d);
  d.job = job;
  d.kind = kind;
  d.code = code;
  d.name_len = (uint32_t)strlen(name);
  d.output_len = out ? (uint32_t)ring_copy(out, obuf) : 0;
  d.output_total = out ? out->total : 0;
  d.start_us = start;
  d.end_us = now_us(CLOCK_REALTIME);
  send_record(EH_REC_SCRIPT_DONE, &d, sizeof d, name, d.name_len, obuf, d.output_len);
}

/* Runs one script; returns 1 when it succeeded (exit 0). */
static int run_script(uint32_t job, const char* dir, const char* name, char** words, int nwords,
                      int64_t deadline_us) {
  char path[4096];
  struct ring out;
  memset(&out, 0, sizeof out);
  int64_t start = now_us(CLOCK_REALTIME);
  snprintf(path, sizeof path, "%s/%s", dir, name);

  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    send_done(job, EH_KIND_MISSING, e, name, start, NULL);
    return 1;
  }
  if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR)) {
    send_done(job, EH_KIND_DISABLED, 0, name, start, NULL);
    return 1;
  }

  char* argv[EH_MAX_JOB_WORDS + 2];
  argv[0] = path;
  for (int i = 0; i < nwords; i++) argv[i + 1] = words[i];
  argv[nwords + 1] = NULL;

  int outp[2], stp[2];
  if (pipe2(outp, O_CLOEXEC) != 0) {
    send_done(job, EH_KIND_SPAWN_FAILED, errno, name, start, NULL);
    return 0;
  }
  if (pipe2(stp, O_CLOEXEC) != 0) {
    int e = errno;
    close(outp[0]);
    close(outp[1]);
    send_done(job, EH_KIND_SPAWN_FAILED, e, name, start, NULL);
    return 0;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(outp[0]), close(outp[1]), close(stp[0]), close(stp[1]);
    send_done(job, EH_KIND_SPAWN_FAILED, e, name, start, NULL);
    return 0;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    setpgid(0, 0);
    dup2(outp[1], STDOUT_FILENO);
    dup2(outp[1], STDERR_FILENO);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, environ);
    int e = errno;
    (void)!write(stp[1], &e, sizeof e);
    _exit(127);
  }
  setpgid(pid, pid); /* also done by the child: whichever runs first wins */
  current_pgid = pid;
  close(outp[1]);
  close(stp[1]);
  fcntl(outp[0], F_SETFL, O_NONBLOCK);

  struct eh_script_start ss = {job, pid, (uint32_t)strlen(name)};
  send_record(EH_REC_SCRIPT_START, &ss, sizeof ss, name, ss.name_len, NULL, 0);

  int status = 0, reaped = 0, timed_out = 0, out_open = 1;
  while (!reaped) {
    struct pollfd pfd[2] = {{sig_fd, POLLIN, 0}, {outp[0], POLLIN, 0}};
    int timeout_ms = -1;
    if (deadline_us > 0) {
      int64_t left = deadline_us - now_us(CLOCK_MONOTONIC);
      if (left <= 0) {
        timed_out = 1;
        break;
      }
      timeout_ms = (int)((left + 999) / 1000);
    }
    int n = poll(pfd, out_open ? 2 : 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("poll failed");
    if (out_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!drain(outp[0], &out)) out_open = 0;
    }
    if (pfd[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGTERM) die("SIGTERM: killed the running script");
      }
      if (waitpid(pid, &status, WNOHANG) == pid) reaped = 1;
    }
  }
  /* Whatever is left in the group (background children, or everything on
   * timeout) goes now. */
  kill(-pid, SIGKILL);
  if (!reaped) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  current_pgid = 0;
  drain(outp[0], &out);
  close(outp[0]);

  int exec_errno = 0;
  ssize_t r;
  do {
    r = read(stp[0], &exec_errno, sizeof exec_errno);
  } while (r < 0 && errno == EINTR);
  close(stp[0]);

  if (r == (ssize_t)sizeof exec_errno) {
    send_done(job, EH_KIND_EXEC_FAILED, exec_errno, name, start, &out);
    return 0;
  }
  if (timed_out) {
    send_done(job, EH_KIND_TIMEDOUT, 0, name, start, &out);
    return 0;
  }
  if (WIFSIGNALED(status)) {
    send_done(job, EH_KIND_SIGNALED, WTERMSIG(status), name, start, &out);
    return 0;
  }
  int code = WEXITSTATUS(status);
  send_done(job, EH_KIND_EXITED, code, name, start, &out);
  return code == 0;
}

static void run_job(uint32_t job, const char* dir, char** words, int nwords, int64_t timeout_ms) {
  int64_t deadline = timeout_ms > 0 ? now_us(CLOCK_MONOTONIC) + timeout_ms * 1000 : 0;
  struct dirent** list = NULL;
  int n = scandir(dir, &list, name_filter, name_cmp);
  uint32_t sent = 0;
  if (n < 0) {
    fprintf(stderr, "ctdb_event_helper: cannot read %s: %s\n", dir, strerror(errno));
    n = 0;
  }
  int ok = 1;
  for (int i = 0; i < n; i++) {
    if (ok) {
      ok = run_script(job, dir, list[i]->d_name, words, nwords, deadline);
      sent++;
    }
    free(list[i]);
  }
  free(list);
  struct eh_job_end je = {job, sent};
  send_record(EH_REC_JOB_END, &je, sizeof je, NULL, 0, NULL, 0);
}

static long parse_num(const char* s, long max) {
  char* end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > max) die("bad numeric argument");
  return v;
}

int main(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr,
            "Usage: %s RESULT_FD TIMEOUT_MS SCRIPT_DIR N EVENT [ARGS...] [N EVENT [ARGS...]]...\n",
            argv[0]);
    return 1;
  }
  result_fd = (int)parse_num(argv[1], 1 << 20);
  long timeout_ms = parse_num(argv[2], 86400L * 1000);
  const char* dir = argv[3];
  if (fcntl(result_fd, F_SETFD, FD_CLOEXEC) != 0) die("bad result fd");
  signal(SIGPIPE, SIG_IGN);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sig_fd < 0) die("signalfd failed");

  /* Validate the whole job list before running anything. */
  for (int i = 4; i < argc;) {
    long n = parse_num(argv[i], EH_MAX_JOB_WORDS);
    if (n < 1 || i + 1 + n > argc) die("job word count out of range");
    i += 1 + (int)n;
  }
  uint32_t job = 0;
  for (int i = 4; i < argc; job++) {
    int n = (int)parse_num(argv[i], EH_MAX_JOB_WORDS);
    run_job(job, dir, &argv[i + 1], n, timeout_ms);
    i += 1 + n;
  }
  return 0;
}
