# Event subsystem wired into ctdbd (doc/event-subsystem.md "Wiring"): stock
# scripts on a real kernel, failures, health, crash recovery; 500 IPs.
ctdb_add_integration_test(integration_event_wiring event_wiring.sh 120)
ctdb_add_integration_test(integration_event_scale event_scale.sh 120)
ctdb_add_integration_test(integration_event_runstates event_runstates.sh 90)
ctdb_add_integration_test(integration_event_health_cluster event_health_cluster.sh 90)
ctdb_add_integration_test(integration_event_batch_cluster event_batch_cluster.sh 180)
ctdb_add_integration_test(integration_ctdb_base_default ctdb_base_default.sh 120)
# `ctdb event script list|enable|disable`, `event run`, `event status` and
# their errors against a node started as the README says.
ctdb_add_integration_test(integration_event_cli event_cli.sh 120)
