# ctdb.service's contract with the daemon (doc/packaging.md): sd_notify
# READY/STOPPING and `ctdb shutdown` waiting for every IP to be released.
ctdb_add_integration_test(integration_service_stop service_stop.sh 180)
