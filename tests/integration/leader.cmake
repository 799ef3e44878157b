# Leader election + cluster lock (doc/cluster.md): 3-node namespace clusters.
ctdb_add_integration_test(integration_leader_file_lock leader_file_lock.sh 180)
ctdb_add_integration_test(integration_leader_helper_lock leader_helper_lock.sh 180)
