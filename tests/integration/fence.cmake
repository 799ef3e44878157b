# One owner per address under partition, crash and hang (issue 10,
# doc/cluster.md "Quorum and fencing"): fence_scenario.sh with a 0.1 s
# sampler of every node's kernel; the etcd ones skip (77) without
# etcd-server/python3-etcd (scripts/setup.sh installs them).
foreach(s partition_nonleader partition_leader partition_leader_fcntl
          split2_lock split4_lock split4_nolock sigkill sigstop)
  ctdb_add_integration_test(integration_fence_${s} fence_scenario.sh 180 ${s})
endforeach()
