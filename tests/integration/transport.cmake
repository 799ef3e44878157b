# Node transport (doc/transport.md): 3-node namespace cluster.
ctdb_add_integration_test(integration_transport_cluster transport_cluster.sh 240)
