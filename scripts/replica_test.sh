#!/usr/bin/env bash
# make replica-test: a streaming replica of the private cluster beside it (scripts/replica.sh), Odoo run
# with --db_replica_host/--db_replica_port, and the test class that proves where each call is served
# (g2p_partner_api TestReadReplica). The replica is made afresh for each run and stopped and removed at the end.
set -uo pipefail
source "$(dirname "$0")/odoo_env.sh" || exit 1
source "$(dirname "$0")/replica.sh"

replica_port=${G2P_REPLICA_PORT:-54330}
replica_data=${G2P_REPLICA_PGDATA:-$(dirname "$PGHOST")/replica-pgdata}
trap 'replica_stop "$replica_data"' EXIT
replica_start "$replica_port" "$replica_data" || exit 1

# the test pauses and resumes replay on the replica (a superuser's functions): it is told how to reach it
export G2P_REPLICA_ADMIN_DSN="host=$PGHOST port=$replica_port user=g2padmin"
export G2P_TEST_MODULES=${G2P_TEST_MODULES:-g2p_partner_api}
export G2P_TEST_TAGS=${G2P_TEST_TAGS:-/g2p_partner_api:TestReadReplica}
export G2P_ODOO_ARGS="--db_replica_host=$PGHOST --db_replica_port=$replica_port"
bash "$ROOT/scripts/test.sh"
