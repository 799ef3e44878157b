# bench_smoke: bench/run.sh at N=16 on CTDB 4.17 and on ours, checking the
# phases listed as supported in bench/smoke.sh (see doc/performance.md).
ctdb_add_integration_test(bench_smoke ../../bench/smoke.sh 480)
