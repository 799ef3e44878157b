# Cluster-wide takeover runs on 3-node namespace clusters (doc/cluster.md):
# failover/rebalance/NoIPFailback/kill/leader kill/ban/monitor with a
# kernel-reading exactly-once checker; Debian's ctdb_takeover_helper vs our run.
ctdb_add_integration_test(integration_cluster_takeover cluster_takeover.sh 240)
ctdb_add_integration_test(integration_cluster_stock_helper cluster_stock_helper.sh 180)
ctdb_add_integration_test(integration_cluster_random cluster_random.sh 300)
# CI replays a fixed seed (it includes two leader kills). Random seeds:
# run the script by hand (it prints its seed; CLUSTER_SEED replays one).
# Seeds 1-20, 12345 and 14371 pass repeatedly under CPU load since a
# restarted node reaches RUNNING only once it knows the leader.
set_property(TEST integration_cluster_random APPEND PROPERTY ENVIRONMENT "CLUSTER_SEED=12345")
ctdb_add_integration_test(integration_cluster_stock_cli cluster_stock_cli.sh 300)
ctdb_add_integration_test(integration_cluster_rejoin cluster_rejoin.sh 180)
ctdb_add_integration_test(integration_cluster_hung_script cluster_hung_script.sh 180)
ctdb_add_integration_test(integration_cluster_first_recovery cluster_first_recovery.sh 120)
