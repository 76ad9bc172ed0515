# Sourced by .ci/run: install and start a local PostgreSQL, export TEST_DATABASE_URL.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
    pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 && break
    sleep 1
done
su postgres -c "psql -q -tc \"SELECT 1 FROM pg_roles WHERE rolname='usecase_bot'\"" | grep -q 1 ||
    su postgres -c "psql -q -c \"CREATE ROLE usecase_bot LOGIN PASSWORD 'usecase_bot'\""
su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS usecase_bot_test'"
su postgres -c "psql -q -c 'CREATE DATABASE usecase_bot_test OWNER usecase_bot'"
export TEST_DATABASE_URL="postgresql+psycopg://usecase_bot:usecase_bot@127.0.0.1:5432/usecase_bot_test"
echo "PostgreSQL $version is up for the tests"
