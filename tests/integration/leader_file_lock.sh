#!/bin/bash
# 3-node leader election with --reclock=FILE (see leader_election.sh).
exec bash "$(dirname "$0")/leader_election.sh" file
