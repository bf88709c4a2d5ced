# shellcheck shell=bash
# Component "compute" of the local test bed (sourced by test/bed/bed.sh): a real
# Glance API and a real Nova API, so that the charm's amphora-image lookups and
# its flavor, keypair and quota calls run against the services they will meet.
#
# What runs (Debian 12 packages, OpenStack Zed, no systemd, loopback only):
#
#   glance-api  /etc/init.d/glance-api (eventlet; Debian disables uWSGI for
#               Glance), 1 worker, 127.0.0.1:9292. File store in
#               /var/lib/glance/octavia-bed-images. DB `glance`.
#               Log: /var/log/glance/glance-api.log
#   nova-api    /etc/init.d/nova-api (uWSGI), 1 process x 1 thread,
#               127.0.0.1:8774. Nothing else of Nova: no scheduler, conductor,
#               compute or placement. DBs `nova_api` (flavors, keypairs,
#               quotas, cell mappings), `nova` ([database], where nova-api
#               registers its own service record at start) and `nova_cell0`
#               (cell0 mapped, so that quota usage counting has a cell to ask).
#               Log: /var/log/nova/nova-api.log
#
# Keystone: users glance and nova (domain default, role admin in project
# services), services glance/image and nova/compute, public+internal+admin
# endpoints http://127.0.0.1:9292 and http://127.0.0.1:8774/v2.1 in $REGION.
# Registered by one small stdlib Python program talking to Keystone's REST API
# (like test/bed/provider does), so the service passwords never reach argv.
#
# Secrets (generated once by `secret`, 0600 in $BED_DIR): mysql-glance.pw,
# mysql-nova.pw, keystone-user-glance.pw, keystone-user-nova.pw. They reach
# MariaDB as SQL on stdin and the configs through `crudini --merge` on stdin;
# glance-api.conf / nova.conf stay 0640 root:glance / root:nova.
#
# One-time work is guarded by markers in $BED_DIR plus a look at the DB tables
# (glance.synced, nova.synced): a warm `up` runs no apt, no db sync, rewrites no
# file and restarts nothing.
#
# Logs of the one-time steps: $LOG_DIR/compute-apt.log, compute-manage.log,
# compute-init.log (0640, they may quote config values).
#
# Traps met:
#  - `apt-get install nova-api glance-api` pulls python3-os-brick -> open-iscsi
#    -> systemd + systemd-sysv + udev. Harmless here (PID 1 is unchanged and
#    /run/systemd/system does not appear), but keep it in mind. Installed with
#    --no-install-recommends (recommends add nftables, busybox, ...).
#  - Debian's nova-api init script binds uWSGI to ":8774" (all interfaces) and
#    nova-api-uwsgi.ini says 16 processes. As for Keystone, /etc/default/nova-api
#    (sourced after DAEMON_ARGS is built) overrides DAEMON_ARGS. Nova
#    monkey-patches eventlet even under uWSGI: keep --threads 1.
#  - Glance's init script does not use uWSGI ("Glance appears broken with
#    uwsgi"); glance-api itself binds [DEFAULT] bind_host/bind_port and forks
#    `workers` children (default: one per core).
#  - nova-api under WSGI creates its nova-osapi_compute service record in the
#    [database] (cell) DB at start-up. The packaged nova.conf points that at
#    sqlite:////var/lib/nova/novadb; without a synced cell DB every request
#    fails. `nova-manage db sync` also syncs cell0 once it is mapped.
#  - `nova-manage cell_v2 map_cell0 --database_connection URL` would put the DB
#    password on argv; without the option it derives <[database] connection>_cell0,
#    which is why the cell DB is named `nova`.
#  - The packaged nova.conf has `[placement] username = =`; fixed, though
#    nothing here talks to placement.
#  - Not needed for flavors, keypairs and quota sets (tried): placement,
#    RabbitMQ (no transport_url: these calls send no RPC, notifications are
#    off), nova-scheduler/conductor/compute. Without a cell0 mapping the quota
#    PUT still succeeds, but nova-api logs "ERROR nova.context ... No cells are
#    configured, unable to continue" at start and on every quota update (usage
#    counting asks the cells), so cell0 is mapped.
#  - `openstack image create --file` prints the image as it was *before* the
#    upload (status queued); `image show`/`image list` then say active.

COMPONENTS+=(compute)

COMPUTE_PACKAGES=(glance-api nova-api)
GLANCE_CONF=/etc/glance/glance-api.conf
GLANCE_STORE=/var/lib/glance/octavia-bed-images
GLANCE_URL=http://127.0.0.1:9292
NOVA_CONF=/etc/nova/nova.conf
NOVA_DEFAULT=/etc/default/nova-api
NOVA_URL=http://127.0.0.1:8774/v2.1

# ---------------------------------------------------------------- helpers

compute_packages() {
    local missing=() p
    for p in "${COMPUTE_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "compute: installing ${missing[*]}"
    # Another helper may hold the dpkg lock: apt waits for it.
    if ! apt-get -o DPkg::Lock::Timeout=1800 install -y --no-install-recommends "${missing[@]}" \
            >>"$LOG_DIR/compute-apt.log" 2>&1; then
        apt-get -o DPkg::Lock::Timeout=1800 update >>"$LOG_DIR/compute-apt.log" 2>&1
        apt-get -o DPkg::Lock::Timeout=1800 install -y --no-install-recommends "${missing[@]}" \
            >>"$LOG_DIR/compute-apt.log" 2>&1 \
            || die "apt-get install ${missing[*]} failed, see $LOG_DIR/compute-apt.log"
    fi
}

compute_logfile() { # compute_logfile NAME: create $LOG_DIR/NAME 0640 root:adm, print its path
    [ -e "$LOG_DIR/$1" ] || install -m 0640 -o root -g adm /dev/null "$LOG_DIR/$1"
    echo "$LOG_DIR/$1"
}

# ini_ensure FILE GROUP (ini fragment on stdin): merge the fragment into FILE
# with crudini (stdin, so no value reaches argv) unless FILE already has every
# value; FILE ends up 0640 root:GROUP. Returns 0 if FILE changed, 1 if not.
ini_ensure() {
    local file=$1 group=$2 frag
    frag=$(cat)
    if ! "$PY" - "$file" 3<<<"$frag" <<'EOF'
import configparser, sys
def load(src):
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.read_file(src)
    return cp
want = load(open(3))
have = load(open(sys.argv[1]))
for sec in ["DEFAULT"] + want.sections():
    items = want.defaults() if sec == "DEFAULT" else {k: v for k, v in want.items(sec, raw=True)
                                                      if k not in want.defaults()}
    for k, v in items.items():
        if sec == "DEFAULT":
            got = have.defaults().get(k)
        else:
            got = have.get(sec, k, raw=True, fallback=None) if have.has_section(sec) else None
        if got != v:
            sys.exit(1)
EOF
    then
        crudini --merge "$file" <<<"$frag" || die "crudini --merge $file failed"
        chown "root:$group" "$file"; chmod 0640 "$file"
        return 0
    fi
    chown "root:$group" "$file"; chmod 0640 "$file"
    return 1
}

compute_db_tables() { # compute_db_tables DB: number of tables in DB
    mysql_root -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$1'"
}

# compute_db USER PASSWORD DB...: databases and user (127.0.0.1 + localhost), SQL on stdin.
compute_db() {
    local user=$1 pw=$2 db h sql=""; shift 2
    for db in "$@"; do sql+="CREATE DATABASE IF NOT EXISTS \`$db\`;"$'\n'; done
    for h in 127.0.0.1 localhost; do
        sql+="CREATE USER IF NOT EXISTS '$user'@'$h' IDENTIFIED BY '$pw';"$'\n'
        sql+="ALTER USER '$user'@'$h' IDENTIFIED BY '$pw';"$'\n'
        for db in "$@"; do sql+="GRANT ALL PRIVILEGES ON \`$db\`.* TO '$user'@'$h';"$'\n'; done
    done
    mysql_root <<<"$sql" || die "compute: cannot create the $user databases"
}

http_ok() { curl -sf --noproxy '*' -m 5 -o /dev/null "$1"; }

glance_http_up() { http_ok "$GLANCE_URL/versions"; }
glance_pids() { pgrep -u glance -f '^/usr/bin/python3 /usr/bin/glance-api' || true; }
nova_http_up() { http_ok "http://127.0.0.1:8774/"; }
nova_pids() { pgrep -u nova -f 'nova-api-uwsgi\.ini' || true; }

# Keystone: users, role, services, endpoints for glance and nova. Reads the
# admin and service passwords from $BED_DIR itself. Prints what it changed.
compute_keystone() {
    KS_URL=${KEYSTONE_URL%/} KS_REGION=$REGION KS_DIR=$BED_DIR \
    KS_SERVICES="glance image $GLANCE_URL;nova compute $NOVA_URL" \
    "$PY" - <<'EOF'
import json, os, sys, urllib.error, urllib.request
url, region, d = os.environ["KS_URL"], os.environ["KS_REGION"], os.environ["KS_DIR"]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def pw(name):
    with open(os.path.join(d, name)) as f:
        return f.read().strip()
def call(method, path, body=None, token=None, ok=(200, 201, 204)):
    req = urllib.request.Request(url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with opener.open(req, timeout=30) as r:
            data = r.read()
            return r.status, (json.loads(data) if data else {}), r.headers
    except urllib.error.HTTPError as e:
        if e.code in ok:
            return e.code, {}, e.headers
        raise SystemExit("keystone: %s %s -> %s %s" % (method, path, e.code, e.read()[:300]))
def auth(user, password, project):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
    st, _, h = call("POST", "/auth/tokens", body, ok=(201, 401))
    return h.get("X-Subject-Token") if st == 201 else None
def log(msg):
    print("[bed] compute: keystone: " + msg, file=sys.stderr)

tok = auth("admin", pw("keystone-admin.pw"), "admin") or sys.exit("keystone: admin login failed")
project = call("GET", "/projects?domain_id=default&name=services", token=tok)[1]["projects"][0]["id"]
role = call("GET", "/roles?name=admin", token=tok)[1]["roles"][0]["id"]
for spec in os.environ["KS_SERVICES"].split(";"):
    name, stype, ep = spec.split()
    secret = pw("keystone-user-%s.pw" % name)
    users = call("GET", "/users?domain_id=default&name=" + name, token=tok)[1]["users"]
    if users:
        uid = users[0]["id"]
    else:
        uid = call("POST", "/users", {"user": {"name": name, "domain_id": "default", "password": secret,
                   "enabled": True, "description": "service user of the Octavia test bed"}}, tok)[1]["user"]["id"]
        log("created user " + name)
    call("PUT", "/projects/%s/users/%s/roles/%s" % (project, uid, role), token=tok)
    if not auth(name, secret, "services"):
        call("PATCH", "/users/" + uid, {"user": {"password": secret}}, tok)
        log("reset the password of " + name)
        auth(name, secret, "services") or sys.exit("keystone: %s cannot log in" % name)
    svcs = [s for s in call("GET", "/services?type=" + stype, token=tok)[1]["services"] if s["name"] == name]
    if svcs:
        sid = svcs[0]["id"]
    else:
        sid = call("POST", "/services", {"service": {"name": name, "type": stype, "enabled": True}},
                   tok)[1]["service"]["id"]
        log("created service %s (%s)" % (name, stype))
    eps = call("GET", "/endpoints?service_id=" + sid, token=tok)[1]["endpoints"]
    for iface in ("public", "internal", "admin"):
        mine = [e for e in eps if e["interface"] == iface and e.get("region_id") == region]
        for extra in mine[1:]:
            call("DELETE", "/endpoints/" + extra["id"], token=tok)
        if not mine:
            call("POST", "/endpoints", {"endpoint": {"service_id": sid, "interface": iface,
                 "region_id": region, "url": ep, "enabled": True}}, tok)
            log("created %s endpoint of %s" % (iface, name))
        elif mine[0]["url"] != ep:
            call("PATCH", "/endpoints/" + mine[0]["id"], {"endpoint": {"url": ep}}, tok)
            log("updated %s endpoint of %s" % (iface, name))
EOF
}

# ---------------------------------------------------------------- Glance

glance_config() { # returns 0 if something changed
    local dbpw kspw changed=1
    dbpw=$(secret mysql-glance.pw); kspw=$(secret keystone-user-glance.pw)
    install -d -m 0750 -o glance -g glance "$GLANCE_STORE"
    ini_ensure "$GLANCE_CONF" glance <<EOF && changed=0
[DEFAULT]
bind_host = 127.0.0.1
bind_port = 9292
workers = 1
[database]
connection = mysql+pymysql://glance:${dbpw}@127.0.0.1:3306/glance
[glance_store]
stores = file,http
default_store = file
filesystem_store_datadir = ${GLANCE_STORE}
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
region_name = ${REGION}
project_name = services
project_domain_name = Default
user_domain_name = Default
username = glance
password = ${kspw}
[paste_deploy]
flavor = keystone
EOF
    return $changed
}

glance_up() {
    local changed=1 dbpw
    dbpw=$(secret mysql-glance.pw)
    compute_db glance "$dbpw" glance
    glance_config && changed=0
    if [ ! -f "$BED_DIR/glance.synced" ] || [ "$(compute_db_tables glance)" = 0 ]; then
        log "compute: glance-manage db_sync (once)"
        [ -e /var/log/glance/glance-manage.log ] || install -m 0640 -o glance -g glance /dev/null /var/log/glance/glance-manage.log
        runuser -u glance -- glance-manage db_sync >>"$(compute_logfile compute-manage.log)" 2>&1 \
            || die "glance-manage db_sync failed (see $LOG_DIR/compute-manage.log)"
        install -m 0600 /dev/null "$BED_DIR/glance.synced"
    fi
    if [ $changed = 0 ] && [ -n "$(glance_pids)" ]; then
        log "compute: Glance config changed: restarting"; glance_down
    fi
    if ! glance_http_up; then
        [ -n "$(glance_pids)" ] || /etc/init.d/glance-api start >>"$(compute_logfile compute-init.log)" 2>&1 \
            || die "/etc/init.d/glance-api start failed"
        wait_for 90 "Glance" glance_http_up \
            || die "Glance did not answer on $GLANCE_URL (see /var/log/glance/glance-api.log)"
    fi
}

glance_down() {
    /etc/init.d/glance-api stop >>"$(compute_logfile compute-init.log)" 2>&1 || true
    if ! wait_for 30 "glance exit" bash -c '[ -z "$(pgrep -u glance -f "^/usr/bin/python3 /usr/bin/glance-api")" ]'; then
        local pids; pids=$(glance_pids)
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    fi
}

# ---------------------------------------------------------------- Nova API

nova_config() { # returns 0 if something changed
    local dbpw kspw changed=1
    dbpw=$(secret mysql-nova.pw); kspw=$(secret keystone-user-nova.pw)
    ini_ensure "$NOVA_CONF" nova <<EOF && changed=0
[DEFAULT]
my_ip = 127.0.0.1
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_workers = 1
[api]
auth_strategy = keystone
[api_database]
connection = mysql+pymysql://nova:${dbpw}@127.0.0.1:3306/nova_api
[database]
connection = mysql+pymysql://nova:${dbpw}@127.0.0.1:3306/nova
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:5000
auth_url = http://127.0.0.1:5000
auth_type = password
region_name = ${REGION}
project_name = services
project_domain_name = Default
user_domain_name = Default
username = nova
password = ${kspw}
[placement]
auth_type = password
auth_url = http://127.0.0.1:5000/v3
region_name = ${REGION}
project_name = services
project_domain_name = Default
user_domain_name = Default
username = nova
password = ${kspw}
EOF
    # uWSGI: the init script would bind ":8774" with 16 processes.
    write_file "$NOVA_DEFAULT" 0644 root:root <<'EOF' && changed=0
# Managed by test/bed/components/compute.sh (Octavia charm test bed): loopback only, 1 worker.
DAEMON_ARGS="--http-socket 127.0.0.1:8774 --ini /etc/nova/nova-api-uwsgi.ini --processes 1 --threads 1"
EOF
    return $changed
}

nova_up() {
    local changed=1 dbpw out
    dbpw=$(secret mysql-nova.pw)
    compute_db nova "$dbpw" nova_api nova nova_cell0
    nova_config && changed=0
    if [ ! -f "$BED_DIR/nova.synced" ] || [ "$(compute_db_tables nova_api)" = 0 ] \
       || [ "$(compute_db_tables nova_cell0)" = 0 ]; then
        log "compute: nova-manage api_db sync, cell_v2 map_cell0, db sync (once)"
        out=$(compute_logfile compute-manage.log)
        runuser -u nova -- nova-manage api_db sync >>"$out" 2>&1 || die "nova-manage api_db sync failed (see $out)"
        runuser -u nova -- nova-manage cell_v2 map_cell0 >>"$out" 2>&1 || die "nova-manage cell_v2 map_cell0 failed (see $out)"
        runuser -u nova -- nova-manage db sync >>"$out" 2>&1 || die "nova-manage db sync failed (see $out)"
        install -m 0600 /dev/null "$BED_DIR/nova.synced"
    fi
    if [ $changed = 0 ] && [ -n "$(nova_pids)" ]; then
        log "compute: Nova config changed: restarting"; nova_down
    fi
    if ! nova_http_up; then
        [ -n "$(nova_pids)" ] || /etc/init.d/nova-api start >>"$(compute_logfile compute-init.log)" 2>&1 \
            || die "/etc/init.d/nova-api start failed"
        wait_for 90 "Nova API" nova_http_up \
            || die "Nova API did not answer on $NOVA_URL (see /var/log/nova/nova-api.log)"
    fi
}

nova_down() {
    /etc/init.d/nova-api stop >>"$(compute_logfile compute-init.log)" 2>&1 || true
    if ! wait_for 30 "nova exit" bash -c '[ -z "$(pgrep -u nova -f "nova-api-uwsgi\.ini")" ]'; then
        local pids; pids=$(nova_pids)
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    fi
}

# ---------------------------------------------------------------- component API

compute_up() {
    compute_packages
    glance_up
    nova_up
    compute_keystone || die "compute: Keystone registration failed"
}

compute_down() {
    nova_down
    glance_down
}

compute_status() {
    local rc=0
    if glance_http_up; then echo "glance:   up   (listening on $(listeners 9292), $GLANCE_URL)"
    else echo "glance:   DOWN"; rc=1; fi
    if nova_http_up; then echo "nova-api: up   (listening on $(listeners 8774), $NOVA_URL)"
    else echo "nova-api: DOWN"; rc=1; fi
    return $rc
}

compute_reset() {
    compute_down
    if command -v mariadbd >/dev/null; then
        mysql_start
        local db u h
        for db in glance nova_api nova nova_cell0; do mysql_root -e "DROP DATABASE IF EXISTS \`$db\`"; done
        for u in glance nova; do
            for h in $(mysql_root -N -B -e "SELECT Host FROM mysql.user WHERE User='$u'"); do
                mysql_root -e "DROP USER IF EXISTS '$u'@'$h'"
            done
        done
    fi
    # The images belong to the dropped glance DB.
    rm -rf "$GLANCE_STORE"
    rm -f "$BED_DIR/glance.synced" "$BED_DIR/nova.synced"
}
