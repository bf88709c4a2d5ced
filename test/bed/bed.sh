#!/usr/bin/env bash
# Local test bed for the Octavia machine charm: real MariaDB, RabbitMQ and
# Keystone from Debian packages, on loopback only, without systemd.
#
#   bed.sh up      install what is missing, start all three, configure Keystone once
#   bed.sh down    stop Keystone, RabbitMQ, MariaDB (data is kept)
#   bed.sh status  one line per service; exit 1 if any is down
#   bed.sh reset   wipe the bed's data (DBs, rabbit vhosts/users, state dir), then down
#   bed.sh stop neutron-server   stop one server (fault injection); `up` starts it again
#
# Secrets live in /var/lib/octavia-bed (0700 dir, 0600 files) and are never
# printed or put on a command line (see README.md for the one place where a
# tool forces argv).
set -euo pipefail

BED_DIR=/var/lib/octavia-bed
LOG_DIR=/var/log/octavia-bed
KEYSTONE_URL=http://127.0.0.1:5000/v3/
REGION=RegionOne
PY=/usr/bin/python3          # NOT "python3": PATH may start with a pyenv shim without oslo
PACKAGES=(mariadb-server mariadb-client rabbitmq-server keystone
          python3-openstackclient python3-octaviaclient crudini curl)

MYSQL_CNF=/etc/mysql/mariadb.conf.d/99-octavia-bed.cnf
RABBIT_ENV=/etc/rabbitmq/rabbitmq-env.conf
RABBIT_CONF=/etc/rabbitmq/rabbitmq.conf
KEYSTONE_CONF=/etc/keystone/keystone.conf
KEYSTONE_DEFAULT=/etc/default/keystone

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export DEBIAN_FRONTEND=noninteractive
export ERL_EPMD_ADDRESS=127.0.0.1   # epmd is started by whichever erlang node comes first

log() { printf '[bed] %s\n' "$*" >&2; }
die() { printf '[bed] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root"

# ---------------------------------------------------------------- helpers

# write_file PATH MODE OWNER:GROUP  (content on stdin); returns 0 if changed, 1 if unchanged.
write_file() {
    local path=$1 mode=$2 owner=$3 tmp
    tmp=$(mktemp "${path}.XXXXXX")
    cat >"$tmp"
    if [ -f "$path" ] && cmp -s "$tmp" "$path"; then
        rm -f "$tmp"; chmod "$mode" "$path"; chown "$owner" "$path"
        return 1
    fi
    chmod "$mode" "$tmp"; chown "$owner" "$tmp"; mv -f "$tmp" "$path"
    return 0
}

state_dir() {
    install -d -m 0700 -o root -g root "$BED_DIR"
    install -d -m 0755 "$LOG_DIR"
}

# secret NAME: print the secret stored in $BED_DIR/NAME, generating it on first use.
# Only ever captured into variables, never echoed to the terminal.
secret() {
    local f="$BED_DIR/$1"
    if [ ! -s "$f" ]; then
        ( umask 077; "$PY" -c 'import secrets,string
a=string.ascii_letters+string.digits
print("".join(secrets.choice(a) for _ in range(32)))' >"$f.tmp" && mv -f "$f.tmp" "$f" )
    fi
    chmod 0600 "$f"
    cat "$f"
}

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
    local t=$1 what=$2; shift 2
    local end=$((SECONDS + t))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $end ] || return 1
        sleep 0.5
    done
}

# ---------------------------------------------------------------- packages

ensure_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    wait_for 1800 "apt lock" bash -c '! pgrep -x apt-get && ! pgrep -x dpkg' \
        || die "another apt-get/dpkg is still running"
    log "installing: ${missing[*]}"
    if ! apt-get install -y "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1; then
        apt-get update >>"$LOG_DIR/apt.log" 2>&1
        apt-get install -y "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 \
            || die "apt-get install failed, see $LOG_DIR/apt.log"
    fi
}

# ---------------------------------------------------------------- MariaDB

mysql_root() { mysql --protocol=socket -uroot "$@"; }   # unix_socket auth as root
mysql_up() { mysqladmin --protocol=socket -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

mysql_config() {
    write_file "$MYSQL_CNF" 0644 root:root <<'EOF'
# Managed by test/bed/bed.sh (Octavia charm test bed). Loopback only.
[mysqld]
bind-address     = 127.0.0.1
port             = 3306
skip-name-resolve
wait_timeout     = 3600
max_connections  = 500
log-error        = /var/log/mysql/error.log
EOF
}

mysql_start() {
    local changed=0
    install -d -m 0755 -o mysql -g adm /var/log/mysql
    mysql_config && changed=1
    if mysql_up && [ $changed = 1 ]; then
        log "MariaDB config changed: restarting"; mysql_stop
    fi
    if ! mysql_up; then
        install -d -m 0755 -o mysql -g root /run/mysqld
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
        wait_for 60 "MariaDB" mysql_up || die "MariaDB did not answer (see /var/log/mysql/error.log)"
    fi
}

mysql_stop() {
    if mysql_up; then mysqladmin --protocol=socket -uroot shutdown >/dev/null 2>&1 || true; fi
    start-stop-daemon --stop --oknodo --quiet --retry TERM/30/KILL/5 --exec /usr/sbin/mariadbd >/dev/null
}

# ---------------------------------------------------------------- RabbitMQ

# The server node's beam runs as rabbitmq with "-s rabbit boot" on its command line; check
# for it first so that status/down do not start a fresh epmd via rabbitmqctl.
rabbit_node_pids() { pgrep -u rabbitmq -f 'beam.*-s rabbit boot' || true; }
rabbit_up() { [ -n "$(rabbit_node_pids)" ] && rabbitmqctl -q status >/dev/null 2>&1; }

epmd_loopback_only() { # true if nothing listens on 4369 or only on 127.0.0.1 / ::1
    ! ss -Hltn 'sport = :4369' | awk '{print $4}' | grep -vqE '^(127\.0\.0\.1|\[::1\]):4369$'
}

rabbit_config() { # returns 0 if a file changed
    local rc=1
    write_file "$RABBIT_ENV" 0644 rabbitmq:rabbitmq <<'EOF' && rc=0
# Managed by test/bed/bed.sh (Octavia charm test bed). Loopback only.
# Sourced (with set -a) by rabbitmq-server and by the CLI tools.
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT=5672
# epmd (port 4369) and the Erlang distribution listeners of the server and of
# every CLI invocation bind to loopback too.
ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
    write_file "$RABBIT_CONF" 0644 rabbitmq:rabbitmq <<'EOF' && rc=0
# Managed by test/bed/bed.sh (Octavia charm test bed). Loopback only.
listeners.tcp.default = 127.0.0.1:5672
distribution.listener.interface = 127.0.0.1
loopback_users.guest = true
EOF
    return $rc
}

rabbit_start() {
    local changed=0
    rabbit_config && changed=1
    # Any earlier rabbitmqctl/erl call without ERL_EPMD_ADDRESS starts epmd on
    # 0.0.0.0:4369 and [::]:4369; it outlives everything. Replace it.
    if ! epmd_loopback_only; then
        log "epmd listens beyond loopback ($(listeners 4369)): restarting RabbitMQ and epmd"
        changed=1
    fi
    if [ $changed = 1 ]; then
        rabbit_up && log "RabbitMQ config changed: restarting"
        rabbit_stop
    fi
    if ! rabbit_up; then
        rabbitmq-server -detached >>"$LOG_DIR/rabbitmq-start.log" 2>&1 \
            || die "rabbitmq-server -detached failed (see $LOG_DIR/rabbitmq-start.log, /var/log/rabbitmq/)"
    fi
    # await_startup fails at once while the node is not registered yet: loop.
    wait_for 120 "RabbitMQ" rabbitmqctl -q await_startup --timeout 10 \
        || die "RabbitMQ did not start (see /var/log/rabbitmq/)"
    epmd_loopback_only || die "epmd still listens on $(listeners 4369) (not started by rabbitmq? stop it and re-run)"
}

rabbit_stop() {
    if rabbit_up; then rabbitmqctl -q stop >/dev/null 2>&1 || true; fi
    # the beam process of the rabbitmq user, if any is left
    local pids
    pids=$(rabbit_node_pids)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill $pids 2>/dev/null || true
        wait_for 30 "beam exit" bash -c "! pgrep -u rabbitmq -f 'beam.*-s rabbit boot'" || true
    fi
    # epmd was started by the rabbit node (as user rabbitmq); stop it too.
    pids=$(pgrep -u rabbitmq -x epmd || true)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
}

# ---------------------------------------------------------------- Keystone

keystone_http_up() { curl -sf --noproxy '*' -m 5 "$KEYSTONE_URL" -o /dev/null; }
# The init script's status trusts its pidfile, whose PID may belong to
# another process by now (uWSGI can die right after a start, e.g. while the
# old workers still hold the port): look for the daemon itself.
keystone_proc_up() { pgrep -u keystone -f 'keystone-uwsgi.ini' >/dev/null; }

keystone_admin_env() {
    # Sets OS_* in the current shell (call in a subshell). Password from the state file.
    export OS_AUTH_URL=${KEYSTONE_URL%/} OS_IDENTITY_API_VERSION=3 OS_INTERFACE=public \
           OS_USERNAME=admin OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default \
           OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=$REGION
    OS_PASSWORD=$(secret keystone-admin.pw); export OS_PASSWORD
}

keystone_config() {
    local dbpw changed=0 cur
    dbpw=$(secret mysql-keystone.pw)

    # DB and user; the password goes to mysql on stdin.
    mysql_root <<EOF
CREATE DATABASE IF NOT EXISTS keystone;
CREATE USER IF NOT EXISTS 'keystone'@'127.0.0.1' IDENTIFIED BY '$dbpw';
CREATE USER IF NOT EXISTS 'keystone'@'localhost' IDENTIFIED BY '$dbpw';
GRANT ALL PRIVILEGES ON keystone.* TO 'keystone'@'127.0.0.1';
GRANT ALL PRIVILEGES ON keystone.* TO 'keystone'@'localhost';
EOF
    if ! keystone_db_login "$dbpw"; then
        log "resetting the keystone DB user's password"
        mysql_root <<EOF
ALTER USER 'keystone'@'127.0.0.1' IDENTIFIED BY '$dbpw';
ALTER USER 'keystone'@'localhost' IDENTIFIED BY '$dbpw';
EOF
    fi

    # keystone.conf: values go in through crudini --merge on stdin, not argv.
    cur=$(crudini --get "$KEYSTONE_CONF" database connection 2>/dev/null || true)
    if [ "$cur" != "mysql+pymysql://keystone:${dbpw}@127.0.0.1:3306/keystone" ] \
       || [ "$(crudini --get "$KEYSTONE_CONF" token provider 2>/dev/null || true)" != fernet ]; then
        crudini --merge "$KEYSTONE_CONF" <<EOF
[database]
connection = mysql+pymysql://keystone:${dbpw}@127.0.0.1:3306/keystone
[token]
provider = fernet
EOF
        chown root:keystone "$KEYSTONE_CONF"; chmod 0640 "$KEYSTONE_CONF"
        changed=1
    fi

    # uWSGI: the init script passes "--http-socket :5000" (all interfaces) unless
    # /etc/default/keystone overrides DAEMON_ARGS (it is sourced after they are built).
    write_file "$KEYSTONE_DEFAULT" 0644 root:root <<'EOF' && changed=1
# Managed by test/bed/bed.sh (Octavia charm test bed): loopback only, 2 workers.
DAEMON_ARGS="--http-socket 127.0.0.1:5000 --ini /etc/keystone/keystone-uwsgi.ini --processes 2 --threads 8"
EOF

    # keystone-manage logs to /var/log/keystone/keystone.log: make sure it
    # exists and belongs to keystone before anything runs as root.
    [ -e /var/log/keystone/keystone.log ] || install -m 0640 -o keystone -g keystone /dev/null /var/log/keystone/keystone.log

    local tables
    tables=$(mysql_root -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='keystone'")
    if [ ! -f "$BED_DIR/keystone.bootstrapped" ] || [ "$tables" = 0 ]; then
        log "Keystone: db_sync, fernet_setup, credential_setup, bootstrap (once)"
        runuser -u keystone -- keystone-manage db_sync >>"$LOG_DIR/keystone-manage.log" 2>&1 \
            || die "keystone-manage db_sync failed (see $LOG_DIR/keystone-manage.log)"
        keystone-manage fernet_setup --keystone-user keystone --keystone-group keystone \
            >>"$LOG_DIR/keystone-manage.log" 2>&1 || die "fernet_setup failed"
        keystone-manage credential_setup --keystone-user keystone --keystone-group keystone \
            >>"$LOG_DIR/keystone-manage.log" 2>&1 || die "credential_setup failed"
        # Password via OS_BOOTSTRAP_PASSWORD (env), not --bootstrap-password (argv).
        OS_BOOTSTRAP_PASSWORD=$(secret keystone-admin.pw) \
        runuser -u keystone -- keystone-manage bootstrap \
            --bootstrap-username admin --bootstrap-project-name admin \
            --bootstrap-role-name admin --bootstrap-service-name keystone \
            --bootstrap-region-id "$REGION" \
            --bootstrap-admin-url "$KEYSTONE_URL" \
            --bootstrap-public-url "$KEYSTONE_URL" \
            --bootstrap-internal-url "$KEYSTONE_URL" \
            >>"$LOG_DIR/keystone-manage.log" 2>&1 || die "keystone-manage bootstrap failed"
        chown -R keystone:keystone /var/log/keystone
        touch "$BED_DIR/keystone.bootstrapped"; chmod 0600 "$BED_DIR/keystone.bootstrapped"
        changed=1
    fi
    return $((1 - changed))
}

keystone_db_login() { # keystone_db_login PASSWORD: can keystone log in over TCP?
    local f rc=0
    f=$(mktemp "$BED_DIR/my.XXXXXX")
    printf '[client]\nuser=keystone\npassword=%s\nhost=127.0.0.1\nport=3306\n' "$1" >"$f"
    mysql --defaults-extra-file="$f" -N -B -e 'SELECT 1' keystone >/dev/null 2>&1 || rc=1
    rm -f "$f"
    return $rc
}

keystone_start() {
    local changed=0
    keystone_config && changed=1
    if [ $changed = 1 ] && keystone_proc_up; then
        log "Keystone config changed: restarting"; keystone_stop
    fi
    if ! keystone_http_up; then
        local try
        for try in 1 2; do
            if ! keystone_proc_up; then
                rm -f /run/keystone/keystone.pid
                /etc/init.d/keystone start >>"$LOG_DIR/keystone-init.log" 2>&1 \
                    || die "/etc/init.d/keystone start failed"
            fi
            wait_for 60 "Keystone" keystone_http_up && return 0
            log "Keystone did not answer (try $try); stopping it to start again"
            keystone_stop
        done
        die "Keystone did not answer on $KEYSTONE_URL (see /var/log/keystone/keystone.log)"
    fi
}

keystone_stop() {
    /etc/init.d/keystone stop >>"$LOG_DIR/keystone-init.log" 2>&1 || true
    # uwsgi master is the pidfile process; make sure no worker lingers.
    wait_for 30 "keystone exit" bash -c "! pgrep -u keystone -f 'keystone-uwsgi.ini'" || true
}

keystone_seed() { (
    keystone_admin_env
    local projects roles r
    projects=$(openstack project list --domain default -f value -c Name) \
        || die "cannot list projects as admin (wrong admin password in $BED_DIR?)"
    if ! grep -qx services <<<"$projects"; then
        log "Keystone: creating project services"
        openstack project create --domain default --description "Service Project" services >/dev/null
    fi
    roles=$(openstack role list -f value -c Name)
    for r in member reader admin; do
        grep -qx "$r" <<<"$roles" || { log "Keystone: creating role $r"; openstack role create "$r" >/dev/null; }
    done
) }

write_openrc() {
    local pw
    pw=$(secret keystone-admin.pw)
    write_file "$BED_DIR/admin-openrc" 0600 root:root <<EOF || true
# Keystone admin of the Octavia test bed (generated by test/bed/bed.sh)
export OS_AUTH_URL=${KEYSTONE_URL%/}
export OS_IDENTITY_API_VERSION=3
export OS_INTERFACE=public
export OS_REGION_NAME=$REGION
export OS_USERNAME=admin
export OS_PASSWORD='$pw'
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
EOF
}

# ---------------------------------------------------------------- status

listeners() { # listeners PORT: the local addresses that listen on PORT
    ss -Hltn "sport = :$1" | awk '{print $4}' | sort -u | paste -sd, -
}

status() {
    local rc=0
    if mysql_up; then echo "mariadb:  up   (listening on $(listeners 3306))"
    else echo "mariadb:  DOWN"; rc=1; fi
    if rabbit_up; then echo "rabbitmq: up   (listening on $(listeners 5672))"
    else echo "rabbitmq: DOWN"; rc=1; fi
    if keystone_http_up; then echo "keystone: up   (listening on $(listeners 5000), ${KEYSTONE_URL})"
    else echo "keystone: DOWN"; rc=1; fi
    components_status || rc=1
    return $rc
}

# ---------------------------------------------------------------- components

# More services (Neutron and Open vSwitch, Nova and Glance) live in
# components/NAME.sh. Each file appends NAME to COMPONENTS and defines
# NAME_up, NAME_down and NAME_status (one line per service, non-zero when
# down), and may define NAME_reset; it may use every helper above. They run
# after the core (MariaDB, RabbitMQ, Keystone) in file-name order, and stop
# in reverse order before it.
COMPONENTS=()
BED_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for f in "$BED_HOME"/components/*.sh; do
    [ -e "$f" ] || continue
    # shellcheck disable=SC1090
    . "$f"
done

components_status() {
    local rc=0 c
    for c in "${COMPONENTS[@]}"; do "${c}_status" || rc=1; done
    return $rc
}

components_down() {
    local i
    for ((i=${#COMPONENTS[@]}-1; i>=0; i--)); do "${COMPONENTS[i]}_down" || true; done
}

# ---------------------------------------------------------------- commands

cmd_up() {
    local t0=$SECONDS
    state_dir
    ensure_packages
    mysql_start
    rabbit_start
    keystone_start
    keystone_seed
    write_openrc
    local c
    for c in "${COMPONENTS[@]}"; do "${c}_up"; done
    status || die "not everything is up"
    echo "admin credentials: source $BED_DIR/admin-openrc   (bed up in $((SECONDS - t0))s)"
}

cmd_down() {
    components_down
    keystone_stop
    rabbit_stop
    mysql_stop
    status || true
}

cmd_reset() {
    state_dir
    log "reset: wiping the bed's databases, rabbit vhosts/users and $BED_DIR"
    local c
    for c in "${COMPONENTS[@]}"; do
        if declare -F "${c}_reset" >/dev/null; then "${c}_reset"; fi
    done
    components_down
    keystone_stop
    if command -v mariadbd >/dev/null; then
        mysql_start
        local dbs users u h
        dbs="keystone octavia"
        [ -f "$BED_DIR/mysql-databases" ] && dbs="$dbs $(cat "$BED_DIR/mysql-databases")"
        users="keystone octavia"
        for u in "$BED_DIR"/mysql-user-*.pw; do
            [ -e "$u" ] || continue
            u=${u##*/mysql-user-}; users="$users ${u%.pw}"
        done
        for u in $(tr ' ' '\n' <<<"$dbs" | sort -u); do
            mysql_root -e "DROP DATABASE IF EXISTS \`$u\`"
        done
        for u in $(tr ' ' '\n' <<<"$users" | sort -u); do
            for h in $(mysql_root -N -B -e "SELECT Host FROM mysql.user WHERE User='$u'"); do
                mysql_root -e "DROP USER IF EXISTS '$u'@'$h'"
            done
        done
    fi
    if command -v rabbitmq-server >/dev/null; then
        rabbit_start
        local v
        for v in $(rabbitmqctl -q list_vhosts --no-table-headers name | grep -vx '/' || true); do
            rabbitmqctl -q delete_vhost "$v" >/dev/null
        done
        for u in $(rabbitmqctl -q list_users --no-table-headers | awk '{print $1}' | grep -vx guest || true); do
            rabbitmqctl -q delete_user "$u" >/dev/null
        done
    fi
    # Keystone's key repositories belong to the dropped DB.
    rm -rf /etc/keystone/fernet-keys /etc/keystone/credential-keys
    cmd_down
    rm -rf "$BED_DIR"
    log "reset done; run '$0 up' for a clean bed"
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) status ;;
    reset) cmd_reset ;;
    # Fault injection for the functional tests: stop one server, keep the rest.
    stop)
        case "${2:-}" in
            neutron-server) neutron_server_stop ;;
            *) die "stop: unknown service ${2:-} (known: neutron-server)" ;;
        esac ;;
    *) echo "usage: $0 up|down|status|reset|stop neutron-server" >&2; exit 2 ;;
esac
