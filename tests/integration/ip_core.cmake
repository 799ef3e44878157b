# Public-IP core (ipcore): single-node scenarios driven with the stock tool.
ctdb_add_integration_test(integration_ip_single_node ip_single_node.sh 180)
ctdb_add_integration_test(integration_ip_reload ip_reload.sh 120)
