# shellcheck shell=bash
# Component of test/bed/bed.sh (sourced by it; uses its helpers): real Neutron
# (ML2/OVS) and Open vSwitch in userspace, on loopback only, without systemd.
#
# What runs (Debian 12 packages, OpenStack Zed; neutron 21.0.0, OVS 3.1.0):
#   ovsdb-server     unix:/var/run/openvswitch/db.sock, and tcp 127.0.0.1:6640
#                    for the agent (Manager ptcp:6640:127.0.0.1 + the
#                    manager_options remote); db /var/lib/openvswitch/conf.db
#   ovs-vswitchd     userspace datapath only (no kernel module): bridges are
#                    datapath_type=netdev; br-int is created here, br-tun by
#                    the agent; OpenFlow controller = the agent on 127.0.0.1:6633
#   neutron-server   /usr/bin/neutron-server (eventlet) as user neutron, started
#                    with start-stop-daemon: API on 127.0.0.1:9696, 1 API, 1 RPC,
#                    1 state-report and 1 periodic worker. NOT the packaged
#                    uWSGI neutron-api + neutron-rpc-server: see the traps.
#   neutron-openvswitch-agent  as ROOT with start-stop-daemon; host = hostname
#                    firewall_driver = openvswitch (works on the netdev datapath:
#                    its conntrack flows are installed and hit)
#   Pidfiles in /var/run/neutron (neutron-server.bed.pid,
#   neutron-openvswitch-agent.pid) and /var/run/openvswitch.
#
# Logs: /var/log/neutron/neutron-server.log; $LOG_DIR/neutron-openvswitch-agent.log
# (+ neutron-server.out / neutron-openvswitch-agent.out: stdout/stderr);
# /var/log/openvswitch/{ovsdb-server,ovs-vswitchd}.log;
# $LOG_DIR/neutron-db-manage.log; apt in $LOG_DIR/apt.log. ($LOG_DIR=/var/log/octavia-bed)
#
# Set up once (idempotent; a warm `up` rewrites and restarts nothing, ~3 s):
#   MariaDB DB + user `neutron`; RabbitMQ user `neutron` on vhost `openstack`;
#   Keystone user `neutron` (admin in project `services`), service `neutron`
#   (type network), endpoints public/internal/admin http://127.0.0.1:9696 in
#   RegionOne; /etc/neutron/neutron.conf, plugins/ml2/ml2_conf.ini,
#   plugins/ml2/openvswitch_agent.ini (whole files, 0640 root:neutron);
#   neutron-db-manage upgrade head (marker $BED_DIR/neutron.db-synced, redone
#   if the DB has no tables). A changed file restarts what reads it.
# Secrets: $BED_DIR/{mysql-neutron,rabbit-neutron,keystone-neutron}.pw. They go
# to mysql and rabbitmqctl on stdin and to Keystone in an HTTP body (a small
# stdlib Python helper, neutron_py), never on a command line.
# `down` keeps the OVS db and the tap devices of bridges and internal ports
# (DOWN); `reset` deletes them (exit --cleanup), drops DB `neutron` and its
# users and removes the OVS db. Keystone and RabbitMQ entries go with the
# core's reset.
#
# Traps met:
#  - The packaged uWSGI API (/etc/init.d/neutron-api) delays what a request
#    triggers after its response: the API is eventlet-monkey-patched, and
#    under uWSGI the eventlet hub of a worker only runs while it serves a
#    request. Port updates reach the agent as OVO pushes from a green thread
#    (plugins/ml2/ovo_rpc.py), so an admin-state change took 12-48 s to reach
#    the agent (never, until other requests came). With neutron-server: DOWN
#    1.5 s after `admin_state_up=false`, ACTIVE 2 s after `true`. neutron-server
#    is also what Ubuntu (and so the neutron-api charm) runs, and it runs the
#    periodic workers that a uWSGI deployment would need as a third service.
#  - Debian has no package `neutron-plugin-ml2`: it is a virtual package
#    provided by neutron-common (dpkg-query cannot see it); `neutron-server`
#    is a metapackage (neutron-api + neutron-rpc-server). /usr/bin/neutron-server
#    comes with neutron-common.
#  - /etc/init.d/neutron-api is NAME=neutron-server: it reads
#    /etc/default/neutron-server, writes /var/run/neutron/neutron-server.pid
#    and binds `--http-socket :9696` (all interfaces, 8 processes x 32
#    threads; bind_host is ignored). The bed writes a loopback override there
#    in case someone starts it, and stops it (and neutron-rpc-server) if running.
#  - The packaged neutron.conf turns on Nova notifications and the metering and
#    qos plugins, and openvswitch_agent.ini maps `external:br-ex` (the agent
#    dies when br-ex does not exist). The bed writes its own files.
#  - The agent must run as root: under its init script (user neutron) sudo
#    privsep-helper asks for a password.
#  - After a restart the agent's old row stays "alive" for agent_down_time
#    (75 s): `up` waits for a started_at newer than the agent's start.
#  - start-stop-daemon --background calls setsid and forks again: the pidfile's
#    PID is not the session id. The agent's privsep helpers and ovsdb-client
#    monitor are in that session; `down` ends what is left of it.
#  - Stopping takes time: the agent spends ~8 s closing its RPC consumers,
#    neutron-server ~6 s for its workers; `down` stops both at once.
#  - ovs-vswitchd without --cleanup leaves its tap devices (ovs-netdev, br-int,
#    br-tun, internal ports) in the kernel, persistent: the next start
#    re-attaches them, so an internal port keeps its MAC across down/up.
#  - /etc/openvswitch/conf.db is a symlink to /var/lib/openvswitch/conf.db.
#  - PID 1 does not reap: stopped daemons stay as zombies; every check here
#    looks at the process state and command line, not just at the PID.

COMPONENTS+=(neutron)

NEUTRON_PACKAGES=(openvswitch-switch neutron-common neutron-api neutron-rpc-server
                  neutron-server neutron-openvswitch-agent)
NEUTRON_URL=http://127.0.0.1:9696
NEUTRON_VHOST=openstack
NEUTRON_CONF=/etc/neutron/neutron.conf
NEUTRON_ML2_INI=/etc/neutron/plugins/ml2/ml2_conf.ini
NEUTRON_OVS_INI=/etc/neutron/plugins/ml2/openvswitch_agent.ini
NEUTRON_DEFAULT=/etc/default/neutron-server      # read by /etc/init.d/neutron-api (not used by the bed)
NEUTRON_SERVER_PID=/var/run/neutron/neutron-server.bed.pid
NEUTRON_SERVER_LOG=/var/log/neutron/neutron-server.log
NEUTRON_UWSGI_PID=/var/run/neutron/neutron-server.pid    # /etc/init.d/neutron-api's
NEUTRON_RPC_PID=/var/run/neutron/neutron-rpc-server.pid  # /etc/init.d/neutron-rpc-server's
NEUTRON_AGENT_PID=/var/run/neutron/neutron-openvswitch-agent.pid
NEUTRON_AGENT_LOG=$LOG_DIR/neutron-openvswitch-agent.log
OVS_RUNDIR=/var/run/openvswitch
OVS_DB=/var/lib/openvswitch/conf.db              # /etc/openvswitch/conf.db links here
OVS_MANAGER=ptcp:6640:127.0.0.1

# ---------------------------------------------------------------- helpers

neutron_packages() {
    local missing=() p
    for p in "${NEUTRON_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    wait_for 1800 "apt lock" bash -c '! pgrep -x apt-get && ! pgrep -x dpkg' \
        || die "another apt-get/dpkg is still running"
    log "installing: ${missing[*]}"
    if ! apt-get install -y "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1; then
        wait_for 1800 "apt lock" bash -c '! pgrep -x apt-get && ! pgrep -x dpkg' || true
        apt-get update >>"$LOG_DIR/apt.log" 2>&1 || true
        apt-get install -y "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 \
            || die "apt-get install failed, see $LOG_DIR/apt.log"
    fi
}

# pidfile_alive FILE [WORD]: the PID in FILE is a live (not zombie) process
# whose command line contains WORD (default: the pidfile's base name), so a
# stale pidfile whose PID was reused does not count.
pidfile_alive() {
    local pid stat word=${2:-$(basename "$1" .pid)}
    [ -s "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    stat=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
    [ -n "$stat" ] && [[ $stat != Z* ]] || return 1
    [[ $(ps -o args= -p "$pid" 2>/dev/null) == *"$word"* ]]
}

# pidfile_sid FILE: the session of the process in FILE. start-stop-daemon
# --background calls setsid and then forks once more, so the daemon's PID is
# not the session id (its children, e.g. privsep helpers, share the session).
pidfile_sid() {
    pidfile_alive "$@" || return 0
    ps -o sid= -p "$(cat "$1")" 2>/dev/null | tr -d ' ' || true
}

# kill_session SID: TERM, then KILL, what is left (not zombie) of a session
# that start-stop-daemon --background created.
kill_session() {
    local sid=$1 pids i
    [[ $sid =~ ^[0-9]+$ ]] && [ "$sid" -gt 1 ] || return 0
    [ "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')" ] || return 0     # never our own session
    for i in 1 2 3 4 5 6 7 8 9 10 11; do
        pids=$(ps -e -o pid=,sid=,stat= | awk -v s="$sid" '$2 == s && $3 !~ /^Z/ {print $1}')
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086
        if [ $i -lt 11 ]; then kill -TERM $pids 2>/dev/null || true; sleep 0.5
        else kill -KILL $pids 2>/dev/null || true; fi
    done
}

# neutron_py CMD: Keystone and Neutron API calls, stdlib only. Passwords are
# read from $BED_DIR files and only ever sent in HTTP bodies.
#   keystone   ensure user/role/service/endpoints for neutron (changes on stderr)
#   agents     one line per OVS agent: HOST ALIVE(True/False) STARTED_AT(epoch)
#   extensions the extension aliases, one per line
neutron_py() {
    "$PY" - "$@" <<'PYEOF'
import calendar, json, sys, time, urllib.error, urllib.request

BED = "/var/lib/octavia-bed/"
KS = "http://127.0.0.1:5000/v3"
NEUTRON = "http://127.0.0.1:9696"
REGION = "RegionOne"
URL = NEUTRON
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def req(method, url, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    r = urllib.request.Request(url, data=data, method=method)
    r.add_header("Content-Type", "application/json")
    r.add_header("Accept", "application/json")
    if token:
        r.add_header("X-Auth-Token", token)
    try:
        with opener.open(r, timeout=30) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else None), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, None, e.headers


def must(st, body, what, ok=(200, 201, 204)):
    if st not in ok:
        sys.exit("neutron_py: %s: HTTP %s" % (what, st))
    return body


def secret(name):
    with open(BED + name) as f:
        return f.read().strip()


def token(user, pw, project):
    st, _, hdr = req("POST", KS + "/auth/tokens", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"id": "default"}, "password": pw}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}})
    return hdr.get("X-Subject-Token") if st == 201 else None


def admin():
    t = token("admin", secret("keystone-admin.pw"), "admin")
    if not t:
        sys.exit("neutron_py: cannot authenticate as the Keystone admin")
    return t


def say(msg):
    print("[bed] Keystone: " + msg, file=sys.stderr)


def keystone():
    t = admin()
    pw = secret("keystone-neutron.pw")
    g = lambda path: must(*req("GET", KS + path, token=t)[:2], "GET " + path)
    projects = g("/projects?name=services&domain_id=default")["projects"]
    if not projects:
        sys.exit("neutron_py: no project services (bed.sh core seeds it)")
    project = projects[0]["id"]
    roles = g("/roles?name=admin")["roles"]
    if not roles:
        sys.exit("neutron_py: no role admin")
    role = roles[0]["id"]
    users = g("/users?name=neutron&domain_id=default")["users"]
    if users:
        user = users[0]["id"]
    else:
        say("creating user neutron")
        user = must(*req("POST", KS + "/users", {"user": {
            "name": "neutron", "domain_id": "default", "password": pw, "enabled": True,
            "description": "Neutron service user of the Octavia test bed"}}, t)[:2],
            "POST /users")["user"]["id"]
    path = "/projects/%s/users/%s/roles/%s" % (project, user, role)
    if req("HEAD", KS + path, token=t)[0] != 204:
        say("granting admin in services to neutron")
        must(*req("PUT", KS + path, token=t)[:2], "PUT " + path)
    if not token("neutron", pw, "services"):
        say("resetting the password of user neutron")
        must(*req("PATCH", KS + "/users/" + user, {"user": {"password": pw}}, t)[:2], "PATCH user")
        if not token("neutron", pw, "services"):
            sys.exit("neutron_py: user neutron still cannot authenticate")
    services = [s for s in g("/services?type=network")["services"] if s.get("name") == "neutron"]
    if services:
        service = services[0]["id"]
    else:
        say("creating service neutron (network)")
        service = must(*req("POST", KS + "/services", {"service": {
            "name": "neutron", "type": "network", "enabled": True,
            "description": "OpenStack Networking"}}, t)[:2], "POST /services")["service"]["id"]
    eps = g("/endpoints?service_id=%s&region_id=%s" % (service, REGION))["endpoints"]
    for iface in ("admin", "internal", "public"):
        mine = sorted((e for e in eps if e["interface"] == iface), key=lambda e: e["url"] != URL)
        if not mine:
            say("creating %s endpoint %s" % (iface, URL))
            must(*req("POST", KS + "/endpoints", {"endpoint": {
                "service_id": service, "interface": iface, "url": URL,
                "region_id": REGION, "enabled": True}}, t)[:2], "POST /endpoints")
            continue
        if mine[0]["url"] != URL:
            say("updating %s endpoint to %s" % (iface, URL))
            must(*req("PATCH", KS + "/endpoints/" + mine[0]["id"],
                      {"endpoint": {"url": URL}}, t)[:2], "PATCH endpoint")
        for dup in mine[1:]:
            say("deleting duplicate %s endpoint %s" % (iface, dup["url"]))
            must(*req("DELETE", KS + "/endpoints/" + dup["id"], token=t)[:2], "DELETE endpoint")


def agents():
    t = admin()
    st, body, _ = req("GET", NEUTRON + "/v2.0/agents?agent_type=Open+vSwitch+agent", token=t)
    must(st, body, "GET /v2.0/agents")
    for a in body["agents"]:
        started = calendar.timegm(time.strptime(a["started_at"][:19], "%Y-%m-%d %H:%M:%S"))
        print(a["host"], a["alive"], started)


def extensions():
    t = admin()
    st, body, _ = req("GET", NEUTRON + "/v2.0/extensions", token=t)
    must(st, body, "GET /v2.0/extensions")
    for e in body["extensions"]:
        print(e["alias"])


try:
    {"keystone": keystone, "agents": agents, "extensions": extensions}[sys.argv[1]]()
except (OSError, ValueError, KeyError) as e:  # URLError is an OSError
    sys.exit("neutron_py %s: %s: %s" % (sys.argv[1], type(e).__name__, e))
PYEOF
}

# ---------------------------------------------------------------- Open vSwitch

ovs_db_up() { pidfile_alive "$OVS_RUNDIR/ovsdb-server.pid" && ovs-vsctl --timeout=2 --no-wait show >/dev/null 2>&1; }
ovs_switch_up() { pidfile_alive "$OVS_RUNDIR/ovs-vswitchd.pid" && ovs-appctl --timeout=2 -t ovs-vswitchd version >/dev/null 2>&1; }

ovs_start() {
    install -d -m 0755 "$OVS_RUNDIR" /var/log/openvswitch
    if [ ! -s "$OVS_DB" ]; then
        ovs_db_up && die "ovsdb-server runs without $OVS_DB: stop it first"
        log "OVS: creating $OVS_DB"
        ovsdb-tool create "$OVS_DB" /usr/share/openvswitch/vswitch.ovsschema
    fi
    if ! ovs_db_up; then
        log "OVS: starting ovsdb-server"
        ovsdb-server "$OVS_DB" --remote=punix:"$OVS_RUNDIR"/db.sock \
            --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
            --pidfile="$OVS_RUNDIR"/ovsdb-server.pid --detach \
            --log-file=/var/log/openvswitch/ovsdb-server.log 2>>"$LOG_DIR/ovs-start.log" \
            || die "ovsdb-server did not start (see /var/log/openvswitch/ovsdb-server.log)"
        wait_for 20 "ovsdb-server" ovs_db_up || die "ovsdb-server does not answer"
    fi
    ovs-vsctl --no-wait init
    # The agent talks OVSDB over TCP: a Manager row and the remote that reads it
    # (someone else may have started ovsdb-server without that remote).
    if ! ovs-appctl -t ovsdb-server ovsdb-server/list-remotes | grep -qx 'db:Open_vSwitch,Open_vSwitch,manager_options'; then
        log "OVS: adding the manager_options remote to ovsdb-server"
        ovs-appctl -t ovsdb-server ovsdb-server/add-remote db:Open_vSwitch,Open_vSwitch,manager_options >/dev/null
    fi
    local managers
    managers=$(ovs-vsctl --no-wait get-manager)
    if ! grep -qx "$OVS_MANAGER" <<<"$managers"; then
        log "OVS: manager $OVS_MANAGER"
        # shellcheck disable=SC2086
        ovs-vsctl --no-wait set-manager $managers "$OVS_MANAGER"
    fi
    if ! ovs_switch_up; then
        log "OVS: starting ovs-vswitchd (userspace datapath)"
        # "Generic Netlink family 'ovs_datapath' does not exist" is expected.
        ovs-vswitchd --pidfile="$OVS_RUNDIR"/ovs-vswitchd.pid --detach \
            --log-file=/var/log/openvswitch/ovs-vswitchd.log 2>>"$LOG_DIR/ovs-start.log" \
            || die "ovs-vswitchd did not start (see /var/log/openvswitch/ovs-vswitchd.log)"
        wait_for 20 "ovs-vswitchd" ovs_switch_up || die "ovs-vswitchd does not answer"
    fi
    if [ "$(ovs-vsctl --timeout=5 get bridge br-int datapath_type 2>/dev/null)" != netdev ]; then
        log "OVS: bridge br-int (datapath_type=netdev)"
        ovs-vsctl --timeout=10 -- --may-exist add-br br-int -- set bridge br-int datapath_type=netdev
    fi
    wait_for 10 "6640" bash -c "ss -Hltn 'sport = :6640' | grep -q ." || die "ovsdb-server does not listen on 6640"
}

# ovs_stop [--cleanup]: without --cleanup the bridges' and internal ports' tap
# devices stay (DOWN) and the next start re-attaches them; with it
# ovs-vswitchd deletes them (reset).
ovs_stop() {
    local f i
    if ovs_switch_up; then ovs-appctl --timeout=10 -t ovs-vswitchd exit "$@" >/dev/null 2>&1 || true; fi
    if ovs_db_up; then ovs-appctl --timeout=10 -t ovsdb-server exit >/dev/null 2>&1 || true; fi
    for f in ovs-vswitchd ovsdb-server; do
        for i in $(seq 20); do pidfile_alive "$OVS_RUNDIR/$f.pid" || break; sleep 0.5; done
        if pidfile_alive "$OVS_RUNDIR/$f.pid"; then
            kill -KILL "$(cat "$OVS_RUNDIR/$f.pid")" 2>/dev/null || true
        fi
    done
}

# ---------------------------------------------------------------- Neutron

neutron_api_up() { curl -sf --noproxy '*' -m 5 "$NEUTRON_URL/" -o /dev/null; }
neutron_server_proc_up() { pidfile_alive "$NEUTRON_SERVER_PID" neutron-server; }
neutron_agent_proc_up() { pidfile_alive "$NEUTRON_AGENT_PID"; }

neutron_db_login() { # can neutron log in over TCP with PASSWORD?
    local f rc=0
    f=$(mktemp "$BED_DIR/my.XXXXXX")
    printf '[client]\nuser=neutron\npassword=%s\nhost=127.0.0.1\nport=3306\n' "$1" >"$f"
    mysql --defaults-extra-file="$f" -N -B -e 'SELECT 1' neutron >/dev/null 2>&1 || rc=1
    rm -f "$f"
    return $rc
}

neutron_db() {
    local pw
    pw=$(secret mysql-neutron.pw)
    mysql_root <<EOF
CREATE DATABASE IF NOT EXISTS neutron;
CREATE USER IF NOT EXISTS 'neutron'@'127.0.0.1' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'neutron'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON neutron.* TO 'neutron'@'127.0.0.1';
GRANT ALL PRIVILEGES ON neutron.* TO 'neutron'@'localhost';
EOF
    if ! neutron_db_login "$pw"; then
        log "Neutron: resetting the neutron DB user's password"
        mysql_root <<EOF
ALTER USER 'neutron'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'neutron'@'localhost' IDENTIFIED BY '$pw';
EOF
    fi
}

neutron_rabbit() {
    local pw
    pw=$(secret rabbit-neutron.pw)
    # Warm path: two rabbitmqctl runs (about 0.7 s each).
    if rabbitmqctl -q authenticate_user neutron <<<"$pw" >/dev/null 2>&1 \
       && rabbitmqctl -q list_user_permissions --no-table-headers neutron 2>/dev/null \
          | awk '{print $1}' | grep -qx "$NEUTRON_VHOST"; then
        return 0
    fi
    log "RabbitMQ: user neutron on vhost $NEUTRON_VHOST"
    rabbitmqctl -q list_vhosts --no-table-headers name | grep -qx "$NEUTRON_VHOST" \
        || rabbitmqctl -q add_vhost "$NEUTRON_VHOST" >/dev/null
    # The password on stdin: rabbitmqctl 3.10 reads it there when it is left off argv.
    if rabbitmqctl -q list_users --no-table-headers | awk '{print $1}' | grep -qx neutron; then
        rabbitmqctl -q change_password neutron <<<"$pw" >/dev/null
    else
        rabbitmqctl -q add_user neutron <<<"$pw" >/dev/null
    fi
    rabbitmqctl -q set_permissions -p "$NEUTRON_VHOST" neutron '.*' '.*' '.*' >/dev/null
}

# neutron_config: writes the config files. Prints "server" and/or "agent" for
# what must be restarted.
neutron_config() {
    local dbpw rbpw kspw
    dbpw=$(secret mysql-neutron.pw); rbpw=$(secret rabbit-neutron.pw); kspw=$(secret keystone-neutron.pw)
    write_file "$NEUTRON_CONF" 0640 root:neutron <<EOF && echo server agent
# Managed by test/bed/components/neutron.sh (Octavia charm test bed). Loopback only.
[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
bind_host = 127.0.0.1
bind_port = 9696
allow_overlapping_ips = true
interface_driver = openvswitch
transport_url = rabbit://neutron:${rbpw}@127.0.0.1:5672/${NEUTRON_VHOST}
# No Nova here: never try to notify it.
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
# 2 cores: one RPC worker (the API's workers are set in /etc/default/neutron-server).
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1

[agent]
root_helper = sudo neutron-rootwrap /etc/neutron/rootwrap.conf

[database]
connection = mysql+pymysql://neutron:${dbpw}@127.0.0.1:3306/neutron

[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = services
username = neutron
password = ${kspw}
region_name = RegionOne

[oslo_concurrency]
lock_path = /var/lock/neutron
EOF
    write_file "$NEUTRON_ML2_INI" 0640 root:neutron <<'EOF' && echo server
# Managed by test/bed/components/neutron.sh (Octavia charm test bed).
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security

[ml2_type_flat]
flat_networks = *

[ml2_type_vxlan]
vni_ranges = 1:1000

[securitygroup]
enable_security_group = true
EOF
    write_file "$NEUTRON_OVS_INI" 0640 root:neutron <<'EOF' && echo agent
# Managed by test/bed/components/neutron.sh (Octavia charm test bed).
# Userspace OVS (no kernel module): every bridge uses the netdev datapath.
[agent]
tunnel_types = vxlan

[ovs]
datapath_type = netdev
integration_bridge = br-int
tunnel_bridge = br-tun
local_ip = 127.0.0.1
ovsdb_connection = tcp:127.0.0.1:6640
of_listen_address = 127.0.0.1

[securitygroup]
firewall_driver = openvswitch
enable_security_group = true
EOF
    # The bed does not use /etc/init.d/neutron-api (see the header). In case
    # someone does: it sources this after it has built DAEMON_ARGS
    # ("--http-socket :9696", all interfaces), so loopback only here.
    write_file "$NEUTRON_DEFAULT" 0644 root:root <<'EOF' || true
# Managed by test/bed/components/neutron.sh (Octavia charm test bed): loopback only, 2 workers.
# The bed itself runs /usr/bin/neutron-server (eventlet), not this uWSGI API.
DAEMON_ARGS="--http-socket 127.0.0.1:9696 --ini /etc/neutron/neutron-api-uwsgi.ini --processes 2 --threads 8"
EOF
    return 0
}

neutron_db_sync() {
    local tables
    tables=$(mysql_root -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='neutron'")
    if [ ! -f "$BED_DIR/neutron.db-synced" ] || [ "$tables" = 0 ]; then
        log "Neutron: neutron-db-manage upgrade head (once)"
        neutron-db-manage --config-file "$NEUTRON_CONF" --config-file "$NEUTRON_ML2_INI" upgrade head \
            >>"$LOG_DIR/neutron-db-manage.log" 2>&1 \
            || die "neutron-db-manage upgrade head failed (see $LOG_DIR/neutron-db-manage.log)"
        touch "$BED_DIR/neutron.db-synced"; chmod 0600 "$BED_DIR/neutron.db-synced"
        return 0
    fi
    return 1
}

# neutron_initd_stop: stop the packaged uWSGI API and RPC server if they run
# (an earlier bed used them, or someone ran the init scripts).
neutron_initd_stop() {
    local sid
    if pidfile_alive "$NEUTRON_UWSGI_PID" neutron-api; then
        log "Neutron: stopping the packaged uWSGI neutron-api"
        sid=$(pidfile_sid "$NEUTRON_UWSGI_PID" neutron-api)
        /etc/init.d/neutron-api stop >>"$LOG_DIR/neutron-init.log" 2>&1 || true
        kill_session "$sid"
    fi
    if pidfile_alive "$NEUTRON_RPC_PID"; then
        log "Neutron: stopping the packaged neutron-rpc-server"
        sid=$(pidfile_sid "$NEUTRON_RPC_PID")
        /etc/init.d/neutron-rpc-server stop >>"$LOG_DIR/neutron-init.log" 2>&1 || true
        kill_session "$sid"
    fi
}

neutron_server_start() {
    install -d -m 0755 -o neutron -g neutron /var/run/neutron /var/lock/neutron /var/log/neutron /var/lib/neutron
    log "Neutron: starting neutron-server (API, RPC and periodic workers; user neutron)"
    start-stop-daemon --start --quiet --background --chuid neutron:neutron \
        --make-pidfile --pidfile "$NEUTRON_SERVER_PID" --chdir /var/lib/neutron \
        --output "$LOG_DIR/neutron-server.out" --startas /usr/bin/neutron-server -- \
        --config-file "$NEUTRON_CONF" --config-file "$NEUTRON_ML2_INI" --log-file "$NEUTRON_SERVER_LOG" \
        || die "start-stop-daemon could not start neutron-server"
    local end=$((SECONDS + 120))
    until neutron_api_up; do
        neutron_server_proc_up || die "neutron-server exited (see $NEUTRON_SERVER_LOG, $LOG_DIR/neutron-server.out)"
        [ $SECONDS -lt $end ] || die "Neutron did not answer on $NEUTRON_URL after 120 s (see $NEUTRON_SERVER_LOG)"
        sleep 0.5
    done
}

neutron_server_stop() {
    local sid
    # Only through a pidfile that really names the daemon (a stale one could
    # name a reused PID). The parent stops its workers on TERM; whatever is
    # left of its session goes too.
    if neutron_server_proc_up; then
        sid=$(pidfile_sid "$NEUTRON_SERVER_PID" neutron-server)
        start-stop-daemon --stop --quiet --oknodo --retry TERM/30/KILL/5 --pidfile "$NEUTRON_SERVER_PID" || true
        kill_session "$sid"
    fi
    rm -f "$NEUTRON_SERVER_PID"
}

neutron_agent_stop() {
    local sid
    if neutron_agent_proc_up; then
        sid=$(pidfile_sid "$NEUTRON_AGENT_PID")
        start-stop-daemon --stop --quiet --oknodo --retry TERM/30/KILL/5 --pidfile "$NEUTRON_AGENT_PID" || true
        kill_session "$sid"     # privsep helpers, ovsdb-client monitor
    fi
    rm -f "$NEUTRON_AGENT_PID"
}

# neutron_agent_line: "HOST ALIVE STARTED_AT" of this host's OVS agent in Neutron.
neutron_agent_line() { neutron_py agents 2>/dev/null | awk -v h="$(hostname)" '$1 == h' | head -n1; }

neutron_agent_started_since() { # the agent is alive and (re)started at or after EPOCH
    local line
    line=$(neutron_agent_line)
    [ -n "$line" ] && [ "$(awk '{print $2}' <<<"$line")" = True ] && [ "$(awk '{print $3}' <<<"$line")" -ge "$1" ]
}

neutron_agent_start() {
    install -d -m 0755 -o neutron -g neutron /var/run/neutron /var/lock/neutron /var/lib/neutron
    local t0
    t0=$(($(date +%s) - 2))
    log "Neutron: starting neutron-openvswitch-agent as root"
    start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$NEUTRON_AGENT_PID" \
        --chdir /var/lib/neutron --output "$LOG_DIR/neutron-openvswitch-agent.out" \
        --startas /usr/bin/neutron-openvswitch-agent -- \
        --config-file "$NEUTRON_CONF" --config-file "$NEUTRON_OVS_INI" --log-file "$NEUTRON_AGENT_LOG" \
        || die "start-stop-daemon could not start neutron-openvswitch-agent"
    local end=$((SECONDS + 120))
    until neutron_agent_started_since "$t0"; do
        neutron_agent_proc_up || die "neutron-openvswitch-agent exited (see $NEUTRON_AGENT_LOG)"
        [ $SECONDS -lt $end ] || die "neutron-openvswitch-agent not alive in Neutron after 120 s (see $NEUTRON_AGENT_LOG)"
        sleep 1
    done
}

# ---------------------------------------------------------------- component API

neutron_up() {
    local restart t0=$SECONDS
    neutron_packages
    ovs_start
    neutron_db
    neutron_rabbit
    secret keystone-neutron.pw >/dev/null
    neutron_py keystone || die "Keystone setup for neutron failed"
    restart=$(neutron_config)
    neutron_db_sync && restart="$restart server agent"

    neutron_initd_stop
    if [[ $restart == *server* ]] && neutron_server_proc_up; then
        log "Neutron: config changed, restarting neutron-server"
        neutron_server_stop
    fi
    if ! neutron_server_proc_up; then
        neutron_api_up && die "something else answers on $NEUTRON_URL ($(listeners 9696)); stop it first"
        neutron_server_start
    fi
    wait_for 60 "Neutron API" neutron_api_up \
        || die "Neutron did not answer on $NEUTRON_URL (see $NEUTRON_SERVER_LOG)"

    if [[ $restart == *agent* ]] && neutron_agent_proc_up; then
        log "Neutron: config changed, restarting neutron-openvswitch-agent"
        neutron_agent_stop
    fi
    if ! neutron_agent_proc_up; then
        neutron_agent_start
    else
        # Running already (maybe just started by a concurrent `up`): alive soon.
        wait_for 60 "agent alive" neutron_agent_started_since 0 \
            || die "neutron-openvswitch-agent runs but is not alive in Neutron (see $NEUTRON_AGENT_LOG)"
    fi
    if neutron_py extensions 2>/dev/null | grep -qx dvr; then
        log "Neutron: extension dvr is listed"
    else
        log "Neutron: extension dvr is NOT listed"
    fi
    log "Neutron + OVS up in $((SECONDS - t0))s"
}

neutron_down() {
    command -v ovs-vsctl >/dev/null || return 0
    local t0=$SECONDS pid
    # Each takes 5-15 s to stop gracefully and they do not depend on each other.
    neutron_agent_stop & pid=$!
    neutron_server_stop
    neutron_initd_stop
    wait "$pid" || true
    ovs_stop "$@"
    log "Neutron + OVS down in $((SECONDS - t0))s"
}

neutron_status() {
    local rc=0 line
    if ovs_db_up && ovs_switch_up; then
        echo "ovs:      up   (ovsdb-server + ovs-vswitchd, OVSDB on $(listeners 6640), br-int $(ovs-vsctl --timeout=2 get bridge br-int datapath_type 2>/dev/null || echo missing))"
    elif ovs_db_up; then echo "ovs:      DOWN (ovsdb-server up, ovs-vswitchd down)"; rc=1
    else echo "ovs:      DOWN"; rc=1; fi
    if neutron_api_up && neutron_server_proc_up; then
        echo "neutron:  up   (neutron-server: API listening on $(listeners 9696), RPC and periodic workers)"
    elif neutron_api_up; then echo "neutron:  DOWN (something else answers on $(listeners 9696))"; rc=1
    elif neutron_server_proc_up; then echo "neutron:  DOWN (neutron-server runs, API does not answer)"; rc=1
    else echo "neutron:  DOWN"; rc=1; fi
    if ! neutron_agent_proc_up; then echo "ovs-agent: DOWN"; rc=1
    elif ! neutron_api_up; then echo "ovs-agent: DOWN (process runs, Neutron API down)"; rc=1
    else
        line=$(neutron_agent_line)
        if [ "$(awk '{print $2}' <<<"$line")" = True ]; then
            echo "ovs-agent: up (alive in Neutron, host $(awk '{print $1}' <<<"$line"))"
        else echo "ovs-agent: DOWN (process runs, not alive in Neutron)"; rc=1; fi
    fi
    return $rc
}

neutron_reset() {
    command -v ovs-vsctl >/dev/null || return 0
    local taps="" t
    ovs_db_up && taps=$(ovs-vsctl --timeout=5 --bare --columns=name find Interface type=internal 2>/dev/null || true)
    neutron_down --cleanup
    # Whatever tap device of OVS's is left (ovs-vswitchd was not running, say).
    for t in $taps br-int br-tun ovs-netdev; do
        if ip -d link show dev "$t" 2>/dev/null | grep -q ' tun '; then ip link del dev "$t" 2>/dev/null || true; fi
    done
    if command -v mariadbd >/dev/null; then
        mysql_start
        local h
        mysql_root -e "DROP DATABASE IF EXISTS neutron"
        for h in $(mysql_root -N -B -e "SELECT Host FROM mysql.user WHERE User='neutron'"); do
            mysql_root -e "DROP USER IF EXISTS 'neutron'@'$h'"
        done
    fi
    # Keystone's and RabbitMQ's neutron entries go with the core's reset.
    rm -f "$OVS_DB" "$(dirname "$OVS_DB")/.conf.db.~lock~" "$BED_DIR"/neutron.db-synced
}
