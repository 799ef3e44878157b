/*
 * bench/spawn_bench.c -- how much does it cost a daemon with a large heap
 * to start a short-lived program: fork+exec, vfork+exec or posix_spawn?
 *
 * The process first allocates a heap of -m MiB and touches every page (so
 * the pages are really mapped, as in a long-running daemon), then spawns
 * the program -n times with each method, one at a time (spawn, wait), and
 * prints wall time and CPU time (this process: user+sys, mostly the cost
 * of copying/tearing down page tables for fork; children: the programs
 * themselves) side by side. The children's stdout is /dev/null.
 *
 * Usage: spawn_bench [-n COUNT] [-m HEAP_MIB] [-H] [-- PROGRAM ARGS...]
 *   -n  spawns per method                       default 1000
 *   -m  heap allocated and touched, MiB          default 2048
 *   -H  ask for transparent huge pages on the heap (MADV_HUGEPAGE);
 *       default is MADV_NOHUGEPAGE: 4 KiB pages, as a fragmented daemon heap
 *   PROGRAM defaults to /bin/true
 * Build: cc -O2 -o spawn_bench spawn_bench.c   (bench/run-spawn.sh does it)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(int who) {
  struct rusage ru;
  getrusage(who, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static int reap(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return (WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

enum method { M_FORK, M_VFORK, M_POSIX_SPAWN };
static const char* method_name[] = {"fork+exec", "vfork+exec", "posix_spawn"};

static int spawn_one(enum method m, char** argv) {
  pid_t pid;
  switch (m) {
    case M_FORK:
      pid = fork();
      if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
      }
      break;
    case M_VFORK:
      pid = vfork();
      if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
      }
      break;
    default:
      if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0) return -1;
      break;
  }
  if (pid < 0) return -1;
  return reap(pid);
}

int main(int argc, char** argv) {
  long count = 1000, heap_mib = 2048;
  int huge = 0, opt;
  while ((opt = getopt(argc, argv, "n:m:Hh")) != -1) {
    switch (opt) {
      case 'n': count = atol(optarg); break;
      case 'm': heap_mib = atol(optarg); break;
      case 'H': huge = 1; break;
      default:
        fprintf(stderr, "usage: spawn_bench [-n COUNT] [-m HEAP_MIB] [-H] [-- PROGRAM ARGS...]\n");
        return 2;
    }
  }
  char* def_argv[] = {"/bin/true", NULL};
  char** prog = optind < argc ? &argv[optind] : def_argv;
  if (count < 1 || heap_mib < 0) return 2;

  size_t heap = (size_t)heap_mib << 20;
  double t_alloc = now_s();
  if (heap) {
    char* p = mmap(NULL, heap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      perror("spawn_bench: mmap");
      return 1;
    }
    madvise(p, heap, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    for (size_t i = 0; i < heap; i += 4096) p[i] = (char)i; /* touch every page */
  }
  t_alloc = now_s() - t_alloc;

  /* children write to /dev/null; the table goes to the original stdout */
  FILE* out = fdopen(dup(1), "w");
  int devnull = open("/dev/null", O_WRONLY);
  if (!out || devnull < 0 || dup2(devnull, 1) < 0) {
    perror("spawn_bench: /dev/null");
    return 1;
  }

  fprintf(out, "spawn_bench: %ld spawns per method of %s%s, heap %ld MiB touched (%s pages, %.2f s), pid %d\n",
          count, prog[0], prog[1] ? " ..." : "", heap_mib, huge ? "huge" : "4 KiB", t_alloc, (int)getpid());
  fprintf(out, "%-12s %9s %10s %13s %13s %7s\n", "method", "wall s", "us/spawn", "parent CPU s",
          "children CPU s", "failed");
  int rc = 0;
  for (int m = M_FORK; m <= M_POSIX_SPAWN; m++) {
    long failed = 0;
    double c0 = cpu_s(RUSAGE_SELF), k0 = cpu_s(RUSAGE_CHILDREN), t0 = now_s();
    for (long i = 0; i < count; i++) {
      if (spawn_one((enum method)m, prog) != 0) failed++;
    }
    double wall = now_s() - t0;
    double pc = cpu_s(RUSAGE_SELF) - c0, kc = cpu_s(RUSAGE_CHILDREN) - k0;
    fprintf(out, "%-12s %9.3f %10.1f %13.3f %13.3f %7ld\n", method_name[m], wall, wall / count * 1e6, pc,
            kc, failed);
    fflush(out);
    if (failed) rc = 1;
  }
  return rc;
}
