// lemon: solve a graph file with LEMON's MaxWeightedMatching on weights
// shifted for maximum cardinality, as Maillage does; prints the median
// solve time over the repetitions, the pairs and the original total.
// With CLOCK=cpu in the environment, the time is the process's CPU time
// (user and system), which other processes on a busy machine disturb far
// less than the elapsed time.
//
// Build: g++ -O2 -o lemon lemon.cpp -llemon  (Debian: liblemon-dev)
// File format: a line "n m", then m lines "u v w" (0 <= u, v < n).
#include <lemon/smart_graph.h>
#include <lemon/matching.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

int main(int argc, char **argv) {
  if (argc < 2) { std::fprintf(stderr, "usage: lemon FILE [reps]\n"); return 2; }
  int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  FILE *f = std::fopen(argv[1], "r");
  if (!f) { std::perror(argv[1]); return 1; }
  long n, m;
  if (std::fscanf(f, "%ld %ld", &n, &m) != 2) return 1;
  std::vector<long> us(m), vs(m);
  std::vector<long long> ws(m);
  long long lo = 0, hi = 0;
  for (long i = 0; i < m; i++) {
    if (std::fscanf(f, "%ld %ld %lld", &us[i], &vs[i], &ws[i]) != 3) return 1;
    if (i == 0 || ws[i] < lo) lo = ws[i];
    if (i == 0 || ws[i] > hi) hi = ws[i];
  }
  std::fclose(f);
  long long k = std::min<long long>(n / 2, m);
  long long shift = k * (hi - lo) - lo + 1;  // same shift as blossom.Solve
  if (shift < 1) shift = 1;
  const char *clk = std::getenv("CLOCK");
  bool cpu = clk && std::strcmp(clk, "cpu") == 0;
  auto now = [cpu]() {
    if (cpu) {
      timespec ts;
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  };
  std::vector<double> times;
  long pairs = 0;
  long long total = 0;
  for (int r = 0; r < reps; r++) {
    lemon::SmartGraph g;
    std::vector<lemon::SmartGraph::Node> nodes(n);
    for (long v = 0; v < n; v++) nodes[v] = g.addNode();
    lemon::SmartGraph::EdgeMap<long long> w(g);
    for (long i = 0; i < m; i++) {
      lemon::SmartGraph::Edge e = g.addEdge(nodes[us[i]], nodes[vs[i]]);
      w[e] = ws[i] + shift;
    }
    double t0 = now();
    lemon::MaxWeightedMatching<lemon::SmartGraph, lemon::SmartGraph::EdgeMap<long long> > mwm(g, w);
    mwm.run();
    times.push_back(now() - t0);
    pairs = mwm.matchingSize();
    total = mwm.matchingWeight() - (long long)pairs * shift;
  }
  std::sort(times.begin(), times.end());
  std::printf("%.3f %ld %lld\n", times[times.size() / 2], pairs, total);
  return 0;
}
