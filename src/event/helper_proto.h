/*
 * Wire format between ctdbd (src/event/helper_process.cc) and
 * ctdb_event_helper (helper/ctdb_event_helper.c). Plain C so the helper
 * links nothing but libc. Both ends run on the same host, so integers are
 * in native byte order and layout.
 *
 * Command line (built by the daemon, parsed by the helper):
 *
 *   ctdb_event_helper RESULT_FD TIMEOUT_MS SCRIPT_DIR  N1 EVENT1 ARG...  [N2 EVENT2 ARG...]...
 *
 * Each "job" is one event: Nk is the number of words that follow for that
 * job (the event name plus its arguments, 1..EH_MAX_JOB_WORDS). Several jobs
 * in one invocation ("batch") run strictly one after the other; each job is
 * exactly what a single-event run would do (same script argv, own timeout).
 * TIMEOUT_MS applies to each job separately (0 = no timeout).
 *
 * Batch group: the words "batch K" followed by K jobs that are all
 * "4 takeip IFACE IP BITS" or all "4 releaseip IFACE IP BITS" (K at most
 * EH_MAX_BATCH). The group's jobs keep their own job numbers and each gets
 * its own SCRIPT_DONE records and JOB_END, but the scripts run once for the
 * group: a script declaring EH_BATCH_MARKER in its first
 * EH_BATCH_MARKER_SCAN bytes runs once as "SCRIPT takeipbatch" /
 * "releaseipbatch" with "IFACE IP BITS" lines on stdin, and its result is
 * reported for every job of the run (one EH_REC_BATCH_DONE record says how
 * the run itself went); other scripts run per job with the classic argv.
 * A failed batch run is repeated per job with the classic argv (reported
 * per job instead); a timed-out one fails every job in it. A job whose
 * script failed gets its JOB_END at once, so JOB_ENDs of a group may come
 * in any order and SCRIPT_DONE records of different jobs interleave.
 * Timeout budgets: see ctdb_event_helper.c.
 *
 * Result stream on RESULT_FD: a sequence of records, each an eh_rec_hdr
 * followed by `len` payload bytes:
 *
 *   EH_REC_SCRIPT_START  eh_script_start + name bytes
 *                        sent before a script runs: its pid is also its
 *                        process group id, so the daemon can kill the group
 *   EH_REC_SCRIPT_DONE   eh_script_done + name bytes + output bytes
 *   EH_REC_JOB_END       eh_job_end; after the last script of job `job`
 *   EH_REC_BATCH_DONE    eh_batch_done + eh_script_done + name + output:
 *                        how one batch run of a script went (job = the
 *                        first job of the run; informational, the per-job
 *                        SCRIPT_DONE records carry the verdicts)
 *
 * The stream ends with EOF when the helper exits. A job without JOB_END at
 * EOF did not finish (helper killed or crashed).
 */
#ifndef CTDB_EVENT_HELPER_PROTO_H
#define CTDB_EVENT_HELPER_PROTO_H

#include <stdint.h>

#define EH_MAX_JOB_WORDS 10   /* event name + up to 9 args (4.5: <= 10 words) */
#define EH_MAX_SCRIPT_NAME 31 /* CTDB 4.5 MAX_SCRIPT_NAME: longer names are ignored */
#define EH_MAX_OUTPUT 4096    /* last bytes of stdout+stderr kept per script */
#define EH_MAX_RECORD (64 + EH_MAX_SCRIPT_NAME + EH_MAX_OUTPUT)
#define EH_MAX_BATCH 8192         /* jobs in one batch group */
#define EH_BATCH_WORD "batch"     /* starts a batch group on the command line */
#define EH_BATCH_MARKER "# ctdb-ip-events: batch" /* a line: the script takes *batch events */
#define EH_BATCH_MARKER_SCAN 1024 /* bytes of a script searched for the marker */

enum eh_record_type {
  EH_REC_SCRIPT_START = 1,
  EH_REC_SCRIPT_DONE = 2,
  EH_REC_JOB_END = 3,
  EH_REC_BATCH_DONE = 4,
};

/* How a script ended (eh_script_done.kind). `code` meaning in brackets. */
enum eh_script_kind {
  EH_KIND_EXITED = 0,      /* ran and exited [exit status] */
  EH_KIND_SIGNALED = 1,    /* killed by a signal, not by us [signal number] */
  EH_KIND_TIMEDOUT = 2,    /* job deadline passed; group SIGKILLed [0] */
  EH_KIND_DISABLED = 3,    /* not an executable regular file; skipped [0] */
  EH_KIND_MISSING = 4,     /* stat() failed, e.g. dangling link [errno] */
  EH_KIND_EXEC_FAILED = 5, /* execve() failed in the child [errno] */
  EH_KIND_SPAWN_FAILED = 6 /* pipe()/fork() failed in the helper [errno] */
};

struct eh_rec_hdr {
  uint32_t type;
  uint32_t len; /* payload bytes after this header */
};

struct eh_script_start {
  uint32_t job;
  int32_t pid;
  uint32_t name_len;
};

struct eh_script_done {
  uint32_t job;
  uint32_t kind;
  int32_t code;
  uint32_t name_len;
  uint32_t output_len;   /* bytes of output that follow the name */
  uint32_t output_total; /* bytes the script wrote (saturating); > output_len = truncated */
  int64_t start_us;      /* CLOCK_REALTIME, microseconds */
  int64_t end_us;
};

struct eh_batch_done {
  uint32_t count;    /* jobs (IPs) in the run */
  uint32_t fallback; /* 1: it failed and is being re-run per job */
  /* followed by struct eh_script_done (job = first job of the run) */
};

struct eh_job_end {
  uint32_t job;
  uint32_t scripts; /* SCRIPT_DONE records sent for this job */
};

#endif
