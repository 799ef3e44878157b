#!/bin/bash
# 3-node leader election with --reclock="!ctdb_mutex_fcntl_helper FILE" (see leader_election.sh).
exec bash "$(dirname "$0")/leader_election.sh" helper
