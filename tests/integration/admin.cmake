# Administration across the cluster (admin): moveip hold, reloadips all
# (add/remove/netmask, bad file on one node, node killed), parallel
# addip/delip/reloadips.
ctdb_add_integration_test(integration_admin_cluster admin_cluster.sh 240)
