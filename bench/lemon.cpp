// lemon: solve a graph file with LEMON's MaxWeightedMatching on weights
// shifted for maximum cardinality, as Maillage does. Prints two times in
// ms, each the median over the repetitions, then the pairs and the
// original total:
//   - solve: from the graph built (SmartGraph and its shifted weight map)
//     to the matching read into an array of mates;
//   - from the edge list: from the edges in memory (three arrays, as read
//     from the file) to the same array of mates: the shift computed, the
//     graph and its weight map built (with reserveNode and reserveEdge),
//     then the solve above.
// The Go side (bench/gosolve) times the same two stretches: Problem.Solve,
// and NewProblem followed by it (blossom.Solve).
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
  for (long i = 0; i < m; i++) {
    if (std::fscanf(f, "%ld %ld %lld", &us[i], &vs[i], &ws[i]) != 3) return 1;
  }
  std::fclose(f);
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
  std::vector<double> solve, whole;
  long pairs = 0;
  long long total = 0;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    long long lo = 0, hi = 0;
    for (long i = 0; i < m; i++) {
      if (i == 0 || ws[i] < lo) lo = ws[i];
      if (i == 0 || ws[i] > hi) hi = ws[i];
    }
    long long k = std::min<long long>(n / 2, m);
    long long shift = k * (hi - lo) - lo + 1;  // same shift as blossom.Solve
    if (shift < 1) shift = 1;
    lemon::SmartGraph g;
    g.reserveNode(n);
    g.reserveEdge(m);
    std::vector<lemon::SmartGraph::Node> nodes(n);
    for (long v = 0; v < n; v++) nodes[v] = g.addNode();
    lemon::SmartGraph::EdgeMap<long long> w(g);
    for (long i = 0; i < m; i++) {
      lemon::SmartGraph::Edge e = g.addEdge(nodes[us[i]], nodes[vs[i]]);
      w[e] = ws[i] + shift;
    }
    double t1 = now();
    lemon::MaxWeightedMatching<lemon::SmartGraph, lemon::SmartGraph::EdgeMap<long long> > mwm(g, w);
    mwm.run();
    std::vector<long> mate(n, -1);
    for (long v = 0; v < n; v++) {
      lemon::SmartGraph::Node u = mwm.mate(nodes[v]);
      if (u != lemon::INVALID) mate[v] = g.id(u);
    }
    double t2 = now();
    solve.push_back(t2 - t1);
    whole.push_back(t2 - t0);
    pairs = 0;
    total = 0;
    for (long i = 0; i < m; i++) {
      if (mate[us[i]] == vs[i] && mwm.matching(g.edgeFromId(i))) {
        pairs++;
        total += ws[i];
      }
    }
  }
  std::sort(solve.begin(), solve.end());
  std::sort(whole.begin(), whole.end());
  std::printf("%.3f %.3f %ld %lld\n", solve[solve.size() / 2], whole[whole.size() / 2], pairs, total);
  return 0;
}
