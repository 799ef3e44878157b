# ctdb.conf (doc/man/ctdb.conf.5): ctdbd -i from a populated CTDB_BASE, and
# a bad ctdb.conf refusing the start with ctdb.conf:LINE.
ctdb_add_integration_test(integration_ctdb_conf_start ctdb_conf_start.sh 240)
