#!/usr/bin/env python3
"""Solve a graph file with NetworkX's max_weight_matching(maxcardinality=True);
print the median solve time in ms, the pairs and the total weight.

File format: a line "n m", then m lines "u v w" (0 <= u, v < n).
Debian: python3-networkx.
"""
import sys
import time

import networkx as nx


def main():
    path = sys.argv[1]
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with open(path) as f:
        n, m = map(int, f.readline().split())
        edges = [tuple(map(int, line.split())) for line in f if line.strip()]
    times = []
    for _ in range(reps):
        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_weighted_edges_from(edges)
        t0 = time.perf_counter()
        mate = nx.max_weight_matching(g, maxcardinality=True)
        times.append((time.perf_counter() - t0) * 1000)
    total = sum(g[u][v]["weight"] for u, v in mate)
    times.sort()
    print(f"{times[len(times) // 2]:.3f} {len(mate)} {total}")


if __name__ == "__main__":
    main()
