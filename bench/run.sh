#!/bin/sh
# Solver comparison: blossom.Solve against LEMON 1.3 (C++, MaxWeightedMatching
# on weights shifted for maximum cardinality) and NetworkX
# (max_weight_matching, maxcardinality=True), on the same generated graphs,
# each read from the same file; in-process solve times, and the ratio
# Maillage / LEMON (below 1: Maillage is faster). The two run alternately,
# REPS times each, and the least time of each counts: on a shared machine
# the minimum is the time least disturbed by other processes.
#
# Needs: Debian packages g++, liblemon-dev, python3-networkx.
#   bench/run.sh               # every graph; NetworkX on the small ones only
#   NX=0 bench/run.sh          # without NetworkX
#   SIZES="1000 2000" bench/run.sh
#   CLOCK=cpu bench/run.sh     # process CPU time instead of elapsed time
#                              # (steadier when other processes load the machine)
set -eu
cd "$(dirname "$0")/.."
work=${WORK:-$(mktemp -d)}
reps=${REPS:-5}
sizes=${SIZES:-"1000 2000 5000 10000"}
nxmax=${NXMAX:-1000}
g++ -O2 -o "$work/lemon" bench/lemon.cpp -llemon
go build -o "$work/gengraph" ./bench/gengraph
go build -o "$work/gosolve" ./bench/gosolve
graphs="dense200:200:0"
for n in $sizes; do graphs="$graphs top30-$n:$n:30"; done
printf '| graph | n | edges | Maillage ms | LEMON ms | NetworkX ms | Maillage / LEMON | same optimum |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for g in $graphs; do
	name=${g%%:*}; rest=${g#*:}; n=${rest%%:*}; k=${rest#*:}
	file="$work/$name.txt"
	[ -f "$file" ] || "$work/gengraph" -n "$n" -k "$k" -out "$file"
	m=$(head -1 "$file" | cut -d' ' -f2)
	gms=; lms=
	for r in $(seq "$reps"); do
		set -- $("$work/gosolve" "$file" 1); gres="$2 $3"
		gms=$(awk -v a="$1" -v b="$gms" 'BEGIN { print (b == "" || a < b) ? a : b }')
		set -- $("$work/lemon" "$file" 1); lres="$2 $3"
		lms=$(awk -v a="$1" -v b="$lms" 'BEGIN { print (b == "" || a < b) ? a : b }')
	done
	nms=-
	if [ "${NX:-1}" = 1 ] && [ "$n" -le "$nxmax" ]; then
		set -- $(python3 bench/networkx_solve.py "$file" 1); nms=$1
	fi
	same=yes; [ "$gres" = "$lres" ] || same="no ($gres vs $lres)"
	ratio=$(awk -v a="$gms" -v b="$lms" 'BEGIN { printf "%.2f", a / b }')
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$n" "$m" "$gms" "$lms" "$nms" "$ratio" "$same"
done
