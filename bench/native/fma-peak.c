/*
 * Peak single-precision FMA throughput of this CPU, per thread and over N threads: the arithmetic
 * ceiling no float32 convolution kernel can exceed. Each thread runs independent chains of
 * multiply-adds on the widest vectors the compiler targets (GCC/Clang vector extensions, compiled
 * with -O3 -march=native -ffp-contract=fast so each `acc * a + b` is one FMA instruction), enough
 * chains to hide the FMA latency.
 *
 *   cc -O3 -march=native -ffp-contract=fast -pthread fma-peak.c -o fma-peak && ./fma-peak THREADS SECONDS
 *
 * Prints one JSON line: {"threads":N,"gflops":X,"perThread":[...]}.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef float vec __attribute__((vector_size(64)));
#define LANES 16
#define CHAINS 12

static double seconds_wanted = 1.0;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct { double gflops; float sink; } result_t;

static void *worker(void *arg) {
  result_t *r = (result_t *)arg;
  vec acc[CHAINS];
  for (int i = 0; i < CHAINS; i++) acc[i] = (vec){0} + 0.001f * (float)i;
  const vec a = (vec){0} + 0.999999f, b = (vec){0} + 1e-7f;
  const long inner = 1L << 20;
  long rounds = 0;
  double t0 = now(), t1;
  do {
    for (long k = 0; k < inner; k++) {
#pragma GCC unroll 12
      for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * a + b;
    }
    rounds++;
    t1 = now();
  } while (t1 - t0 < seconds_wanted);
  float s = 0;
  for (int i = 0; i < CHAINS; i++)
    for (int l = 0; l < LANES; l++) s += acc[i][l];
  r->sink = s;
  r->gflops = (double)rounds * inner * CHAINS * LANES * 2.0 / (t1 - t0) / 1e9;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (argc > 2) seconds_wanted = atof(argv[2]);
  if (threads < 1 || threads > 256 || !(seconds_wanted > 0)) return 2;
  pthread_t tid[256];
  result_t res[256];
  for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, worker, &res[i]);
  double total = 0, sink = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(tid[i], NULL);
    total += res[i].gflops;
    sink += res[i].sink;
  }
  printf("{\"threads\":%d,\"gflops\":%.1f,\"perThread\":[", threads, total);
  for (int i = 0; i < threads; i++) printf("%s%.1f", i ? "," : "", res[i].gflops);
  printf("],\"sink\":%g}\n", sink);
  return 0;
}
