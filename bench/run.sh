#!/bin/sh
# Solver comparison: blossom.Solve against LEMON 1.3 (C++, MaxWeightedMatching
# on weights shifted for maximum cardinality) and NetworkX
# (max_weight_matching, maxcardinality=True), on the same generated graphs,
# each read from the same file, in process. Two times for each of Maillage
# and LEMON, both ending with the matching read into an array of mates:
#   solve      from the graph laid out for the solver: LEMON's SmartGraph
#              and weight map built; Maillage's blossom.Problem (edges
#              deduplicated, weights shifted, adjacency built);
#   edge list  from the edges in memory: LEMON's graph built too
#              (reserveNode, reserveEdge, addEdge, the shift computed);
#              for Maillage blossom.Solve (blossom.NewProblem then Solve).
# Ratios Maillage / LEMON: below 1, Maillage is faster. NetworkX's time is
# its solve alone (its graph built before). The solvers run alternately,
# REPS times each, one solve per process, and the least time of each
# counts: on a shared machine the minimum is the time least disturbed by
# other processes.
#
# Needs: Debian packages g++, liblemon-dev, python3-networkx.
#   bench/run.sh               # every graph; NetworkX on the small ones only
#   NX=0 bench/run.sh          # without NetworkX
#   SIZES="1000 2000" bench/run.sh
#   CLOCK=cpu bench/run.sh     # process CPU time instead of elapsed time
#                              # (steadier when other processes load the machine)
#   SHUFFLE=1 bench/run.sh     # the same graphs, edges and their ends in a
#                              # random order (gengraph writes them sorted, which
#                              # spares blossom.NewProblem its sort)
set -eu
cd "$(dirname "$0")/.."
work=${WORK:-$(mktemp -d)}
reps=${REPS:-5}
sizes=${SIZES:-"1000 2000 5000 10000"}
nxmax=${NXMAX:-1000}
g++ -O2 -o "$work/lemon" bench/lemon.cpp -llemon
go build -o "$work/gengraph" ./bench/gengraph
go build -o "$work/gosolve" ./bench/gosolve
least() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }
graphs="dense200:200:0"
for n in $sizes; do graphs="$graphs top30-$n:$n:30"; done
printf '| graph | n | edges | Maillage solve ms | LEMON solve ms | ratio | Maillage from edge list ms | LEMON from edge list ms | ratio | NetworkX solve ms | same optimum |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
for g in $graphs; do
	name=${g%%:*}; rest=${g#*:}; n=${rest%%:*}; k=${rest#*:}
	if [ "${SHUFFLE:-0}" = 1 ]; then
		file="$work/shuffled-$name.txt"
		[ -f "$file" ] || "$work/gengraph" -n "$n" -k "$k" -shuffle -out "$file"
	else
		file="$work/$name.txt"
		[ -f "$file" ] || "$work/gengraph" -n "$n" -k "$k" -out "$file"
	fi
	m=$(head -1 "$file" | cut -d' ' -f2)
	gs=; ge=; ls=; le=
	for r in $(seq "$reps"); do
		set -- $("$work/gosolve" "$file" 1); gres="$3 $4"
		gs=$(least "$1" "$gs"); ge=$(least "$2" "$ge")
		set -- $("$work/lemon" "$file" 1); lres="$3 $4"
		ls=$(least "$1" "$ls"); le=$(least "$2" "$le")
	done
	nms=-
	if [ "${NX:-1}" = 1 ] && [ "$n" -le "$nxmax" ]; then
		set -- $(python3 bench/networkx_solve.py "$file" 1); nms=$1
	fi
	same=yes; [ "$gres" = "$lres" ] || same="no ($gres vs $lres)"
	rs=$(awk -v a="$gs" -v b="$ls" 'BEGIN { printf "%.2f", a / b }')
	re=$(awk -v a="$ge" -v b="$le" 'BEGIN { printf "%.2f", a / b }')
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$n" "$m" "$gs" "$ls" "$rs" "$ge" "$le" "$re" "$nms" "$same"
done
