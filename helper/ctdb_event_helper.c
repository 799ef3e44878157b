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
 * Batch groups ("batch K" followed by K takeip or K releaseip jobs, see
 * helper_proto.h): the scripts run once for the group, in the same order.
 * A script whose first EH_BATCH_MARKER_SCAN bytes hold the line
 * EH_BATCH_MARKER runs ONCE as "SCRIPT takeipbatch" (releaseipbatch) with
 * one "IFACE IP BITS" line per IP still going on stdin (a memfd); any other
 * script runs once per IP with the classic argv. When a batch run fails
 * (not by timeout) the script is re-run per IP with the classic argv, so
 * each IP gets its own verdict; when it times out, every IP of the run
 * fails. An IP whose script failed leaves the group at once (JOB_END), its
 * later scripts are not run. Timeout: each IP has the per-event budget
 * TIMEOUT_MS; a batch run is charged in full to every IP in it, a per-IP
 * run to its IP; a run's deadline is the smallest budget left among its
 * IPs. With K = 1 this is exactly the classic per-event deadline.
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
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event/helper_proto.h"
#include "event/script_rules.h"

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

static int name_filter(const struct dirent* de) { return eh_is_script_name(de->d_name); }

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

/* How one script run ended. */
struct run_result {
  uint32_t kind;
  int32_t code;
  int64_t start_us; /* CLOCK_REALTIME */
  int64_t end_us;
  int64_t mono_us; /* CLOCK_MONOTONIC duration, charged to timeout budgets */
  int has_output;
  struct ring out;
};

static int run_continues(const struct run_result* r) {
  return (r->kind == EH_KIND_EXITED && r->code == 0) || r->kind == EH_KIND_DISABLED ||
         r->kind == EH_KIND_MISSING;
}

static void fill_done(struct eh_script_done* d, uint32_t job, const char* name,
                      const struct run_result* r, char* obuf) {
  memset(d, 0, sizeof *d);
  d->job = job;
  d->kind = r->kind;
  d->code = r->code;
  d->name_len = (uint32_t)strlen(name);
  d->output_len = r->has_output ? (uint32_t)ring_copy(&r->out, obuf) : 0;
  d->output_total = r->has_output ? r->out.total : 0;
  d->start_us = r->start_us;
  d->end_us = r->end_us;
}

static void send_done(uint32_t job, const char* name, const struct run_result* r) {
  static char obuf[EH_MAX_OUTPUT];
  struct eh_script_done d;
  fill_done(&d, job, name, r, obuf);
  send_record(EH_REC_SCRIPT_DONE, &d, sizeof d, name, d.name_len, obuf, d.output_len);
}

static void send_batch_done(uint32_t first_job, uint32_t count, uint32_t fallback,
                            const char* name, const struct run_result* r) {
  static char obuf[EH_MAX_OUTPUT];
  static char rec[sizeof(struct eh_batch_done) + sizeof(struct eh_script_done)];
  struct eh_batch_done b = {count, fallback};
  struct eh_script_done d;
  fill_done(&d, first_job, name, r, obuf);
  memcpy(rec, &b, sizeof b);
  memcpy(rec + sizeof b, &d, sizeof d);
  send_record(EH_REC_BATCH_DONE, rec, sizeof rec, name, d.name_len, obuf, d.output_len);
}

static void finish_result(struct run_result* r, uint32_t kind, int32_t code, int64_t mono_start) {
  r->kind = kind;
  r->code = code;
  r->end_us = now_us(CLOCK_REALTIME);
  r->mono_us = now_us(CLOCK_MONOTONIC) - mono_start;
}

/* Runs one script (argv [path, words...], stdin = stdin_fd or /dev/null as
 * inherited when -1) and fills *res. `job` names the START record. */
static void run_script(uint32_t job, const char* dir, const char* name, char** words, int nwords,
                       int stdin_fd, int64_t deadline_us, struct run_result* res) {
  char path[4096];
  struct ring* out = &res->out;
  memset(res, 0, sizeof *res);
  int64_t mono_start = now_us(CLOCK_MONOTONIC);
  res->start_us = now_us(CLOCK_REALTIME);
  snprintf(path, sizeof path, "%s/%s", dir, name);

  struct stat st;
  if (stat(path, &st) != 0) {
    finish_result(res, EH_KIND_MISSING, errno, mono_start);
    return;
  }
  if (!eh_mode_is_enabled(st.st_mode)) {
    finish_result(res, EH_KIND_DISABLED, 0, mono_start);
    return;
  }

  char* argv[EH_MAX_JOB_WORDS + 2];
  argv[0] = path;
  for (int i = 0; i < nwords; i++) argv[i + 1] = words[i];
  argv[nwords + 1] = NULL;

  int outp[2], stp[2];
  if (pipe2(outp, O_CLOEXEC) != 0) {
    finish_result(res, EH_KIND_SPAWN_FAILED, errno, mono_start);
    return;
  }
  if (pipe2(stp, O_CLOEXEC) != 0) {
    int e = errno;
    close(outp[0]);
    close(outp[1]);
    finish_result(res, EH_KIND_SPAWN_FAILED, e, mono_start);
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(outp[0]), close(outp[1]), close(stp[0]), close(stp[1]);
    finish_result(res, EH_KIND_SPAWN_FAILED, e, mono_start);
    return;
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    setpgid(0, 0);
    if (stdin_fd >= 0) dup2(stdin_fd, STDIN_FILENO);
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
  res->has_output = 1;

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
      if (!drain(outp[0], out)) out_open = 0;
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
  drain(outp[0], out);
  close(outp[0]);

  int exec_errno = 0;
  ssize_t r;
  do {
    r = read(stp[0], &exec_errno, sizeof exec_errno);
  } while (r < 0 && errno == EINTR);
  close(stp[0]);

  if (r == (ssize_t)sizeof exec_errno) {
    finish_result(res, EH_KIND_EXEC_FAILED, exec_errno, mono_start);
  } else if (timed_out) {
    finish_result(res, EH_KIND_TIMEDOUT, 0, mono_start);
  } else if (WIFSIGNALED(status)) {
    finish_result(res, EH_KIND_SIGNALED, WTERMSIG(status), mono_start);
  } else {
    finish_result(res, EH_KIND_EXITED, WEXITSTATUS(status), mono_start);
  }
}

static struct dirent** list_scripts(const char* dir, int* n) {
  struct dirent** list = NULL;
  *n = scandir(dir, &list, name_filter, name_cmp);
  if (*n < 0) {
    fprintf(stderr, "ctdb_event_helper: cannot read %s: %s\n", dir, strerror(errno));
    *n = 0;
    return NULL;
  }
  return list;
}

static void free_scripts(struct dirent** list, int n) {
  for (int i = 0; i < n; i++) free(list[i]);
  free(list);
}

static void run_job(uint32_t job, const char* dir, char** words, int nwords, int64_t timeout_ms) {
  static struct run_result res;
  int64_t deadline = timeout_ms > 0 ? now_us(CLOCK_MONOTONIC) + timeout_ms * 1000 : 0;
  int n = 0;
  struct dirent** list = list_scripts(dir, &n);
  uint32_t sent = 0;
  for (int i = 0; i < n; i++) {
    run_script(job, dir, list[i]->d_name, words, nwords, -1, deadline, &res);
    send_done(job, list[i]->d_name, &res);
    sent++;
    if (!run_continues(&res)) break;
  }
  free_scripts(list, n);
  struct eh_job_end je = {job, sent};
  send_record(EH_REC_JOB_END, &je, sizeof je, NULL, 0, NULL, 0);
}

/* The script declares batch support (event/script_rules.h). */
static int has_batch_marker(const char* dir, const char* name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return eh_file_has_batch_marker(path);
}

/* A memfd holding "IFACE IP BITS\n" for every active job, at offset 0. */
static int batch_input(char*** words, const char* active, uint32_t k) {
  int fd = memfd_create("ctdb-ip-batch", MFD_CLOEXEC);
  if (fd < 0) return -1;
  char line[512];
  for (uint32_t j = 0; j < k; j++) {
    if (!active[j]) continue;
    int len = snprintf(line, sizeof line, "%s %s %s\n", words[j][1], words[j][2], words[j][3]);
    if (len < 0 || (size_t)len >= sizeof line) {
      close(fd);
      errno = E2BIG;
      return -1;
    }
    const char* p = line;
    size_t left = (size_t)len;
    while (left > 0) {
      ssize_t w = write(fd, p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        int e = errno;
        close(fd);
        errno = e ? e : EIO;
        return -1;
      }
      p += w;
      left -= (size_t)w;
    }
  }
  if (lseek(fd, 0, SEEK_SET) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static int64_t deadline_for(int64_t timeout_ms, int64_t used_us) {
  if (timeout_ms <= 0) return 0;
  int64_t left = timeout_ms * 1000 - used_us;
  int64_t now = now_us(CLOCK_MONOTONIC);
  return left > 0 ? now + left : now; /* spent: times out at once */
}

/* One batch group: jobs first_job .. first_job+k-1, words[j] = the job's
 * words (EVENT IFACE IP BITS). See the header comment for the rules. */
static void run_batch(uint32_t first_job, uint32_t k, char*** words, const char* dir,
                      int64_t timeout_ms) {
  static struct run_result res, one;
  char* active = calloc(k, 1);
  uint32_t* sent = calloc(k, sizeof *sent);
  int64_t* used = calloc(k, sizeof *used);
  if (!active || !sent || !used) die("out of memory");
  memset(active, 1, k);
  uint32_t nactive = k;
  char batch_event[32];
  snprintf(batch_event, sizeof batch_event, "%sbatch", words[0][0]);
  char* batch_words[1] = {batch_event};

  int n = 0;
  struct dirent** list = list_scripts(dir, &n);
  for (int i = 0; i < n && nactive > 0; i++) {
    const char* name = list[i]->d_name;
    if (!has_batch_marker(dir, name)) {
      /* Classic script (or not runnable): once per IP still going. */
      for (uint32_t j = 0; j < k; j++) {
        if (!active[j]) continue;
        run_script(first_job + j, dir, name, words[j], 4, -1, deadline_for(timeout_ms, used[j]),
                   &one);
        used[j] += one.mono_us;
        send_done(first_job + j, name, &one);
        sent[j]++;
        if (!run_continues(&one)) {
          active[j] = 0;
          nactive--;
          struct eh_job_end je = {first_job + j, sent[j]};
          send_record(EH_REC_JOB_END, &je, sizeof je, NULL, 0, NULL, 0);
        }
      }
      continue;
    }
    int64_t most_used = 0;
    uint32_t first_active = k;
    for (uint32_t j = 0; j < k; j++) {
      if (!active[j]) continue;
      if (first_active == k) first_active = j;
      if (used[j] > most_used) most_used = used[j];
    }
    int in = batch_input(words, active, k);
    if (in < 0) {
      memset(&res, 0, sizeof res);
      res.start_us = now_us(CLOCK_REALTIME);
      finish_result(&res, EH_KIND_SPAWN_FAILED, errno, now_us(CLOCK_MONOTONIC));
    } else {
      run_script(first_job + first_active, dir, name, batch_words, 1, in,
                 deadline_for(timeout_ms, most_used), &res);
      close(in);
    }
    const int ok = run_continues(&res);
    const int fallback = !ok && res.kind != EH_KIND_TIMEDOUT;
    send_batch_done(first_job + first_active, nactive, (uint32_t)fallback, name, &res);
    for (uint32_t j = 0; j < k; j++) {
      if (!active[j]) continue;
      used[j] += res.mono_us;
      if (fallback) {
        /* Find out which IPs failed: the classic event, per IP. */
        run_script(first_job + j, dir, name, words[j], 4, -1, deadline_for(timeout_ms, used[j]),
                   &one);
        used[j] += one.mono_us;
        send_done(first_job + j, name, &one);
      } else {
        send_done(first_job + j, name, &res);
      }
      sent[j]++;
      if (!(fallback ? run_continues(&one) : ok)) {
        active[j] = 0;
        nactive--;
        struct eh_job_end je = {first_job + j, sent[j]};
        send_record(EH_REC_JOB_END, &je, sizeof je, NULL, 0, NULL, 0);
      }
    }
  }
  free_scripts(list, n);
  for (uint32_t j = 0; j < k; j++) {
    if (!active[j]) continue;
    struct eh_job_end je = {first_job + j, sent[j]};
    send_record(EH_REC_JOB_END, &je, sizeof je, NULL, 0, NULL, 0);
  }
  free(active);
  free(sent);
  free(used);
}

static long parse_num(const char* s, long max) {
  char* end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 0 || v > max) die("bad numeric argument");
  return v;
}

/* Checks the whole job list from argv[i] on; dies when it is malformed. */
static void validate(int argc, char** argv, int i) {
  while (i < argc) {
    if (strcmp(argv[i], EH_BATCH_WORD) == 0) {
      if (i + 1 >= argc) die("batch without a size");
      long k = parse_num(argv[i + 1], EH_MAX_BATCH);
      if (k < 1) die("empty batch");
      i += 2;
      const char* ev = NULL;
      for (long j = 0; j < k; j++) {
        if (i + 4 >= argc || parse_num(argv[i], EH_MAX_JOB_WORDS) != 4) die("bad batch job");
        const char* e = argv[i + 1];
        if (strcmp(e, "takeip") != 0 && strcmp(e, "releaseip") != 0) die("batch of a non-batch event");
        if (ev && strcmp(ev, e) != 0) die("batch mixes events");
        ev = e;
        i += 5;
      }
      continue;
    }
    long n = parse_num(argv[i], EH_MAX_JOB_WORDS);
    if (n < 1 || i + 1 + n > argc) die("job word count out of range");
    i += 1 + (int)n;
  }
}

int main(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr,
            "Usage: %s RESULT_FD TIMEOUT_MS SCRIPT_DIR JOB... with JOB = N EVENT [ARGS...] "
            "or " EH_BATCH_WORD " K (4 takeip|releaseip IFACE IP BITS) x K\n",
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
  validate(argc, argv, 4);
  uint32_t job = 0;
  for (int i = 4; i < argc;) {
    if (strcmp(argv[i], EH_BATCH_WORD) == 0) {
      uint32_t k = (uint32_t)parse_num(argv[i + 1], EH_MAX_BATCH);
      char*** words = calloc(k, sizeof *words);
      if (!words) die("out of memory");
      i += 2;
      for (uint32_t j = 0; j < k; j++, i += 5) words[j] = &argv[i + 1];
      run_batch(job, k, words, dir, timeout_ms);
      free(words);
      job += k;
      continue;
    }
    int n = (int)parse_num(argv[i], EH_MAX_JOB_WORDS);
    run_job(job, dir, &argv[i + 1], n, timeout_ms);
    i += 1 + n;
    job++;
  }
  return 0;
}
