# Administration across the cluster (admin): moveip hold, reloadips all
# (add/remove/netmask, bad file on one node, node killed), parallel
# addip/delip/reloadips.
ctdb_add_integration_test(integration_admin_cluster admin_cluster.sh 240)
# Issue #7's scale test: 3 nodes, 300 IPs, reloadips all adding 100 and
# removing 100 while a disable/enable of node 1 runs; every IP once, removed
# ones in no kernel, each node's ipreallocated changes file = its moves;
# --json of event status / stop / continue / unban against the daemon.
ctdb_add_integration_test(integration_admin_reload_scale admin_reload_scale.sh 180)
