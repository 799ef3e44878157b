# Cluster-wide takeover runs on 3-node namespace clusters (doc/cluster.md):
# failover/rebalance/NoIPFailback/kill/leader kill/ban/monitor with a
# kernel-reading exactly-once checker.
ctdb_add_integration_test(integration_cluster_takeover cluster_takeover.sh 240)
