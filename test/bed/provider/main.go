// Command provider plays the PROVIDER side of the shared-db, amqp and
// identity-service relations against the local test bed (see ../bed.sh and
// ../README.md). It really creates the database/user, the vhost/user and the
// Keystone service user/service/endpoints, then prints, as one JSON object of
// string to string on stdout, the relation data the real provider charm
// (mysql-router, rabbitmq-server, keystone leader) would publish.
//
//	provider shared-db --database octavia --username octavia --hostname 127.0.0.1 --unit octavia/0
//	provider amqp --username octavia --vhost openstack
//	provider identity-service --service octavia --region RegionOne \
//	    --public-url http://127.0.0.1:9876 --internal-url http://127.0.0.1:9876 \
//	    --admin-url http://127.0.0.1:9876 --requested-roles a,b,c
//
// Every subcommand is idempotent: passwords are generated once, kept 0600
// under /var/lib/octavia-bed and reused. Passwords never go on a command line:
// mysql gets SQL on stdin, rabbitmqctl reads them on stdin, the openstack CLI
// gets OS_PASSWORD from the environment. The openstack CLI has no way to set
// another user's password other than argv (--password) or a TTY prompt
// (--password-prompt refuses a pipe), so creating the Keystone service user
// and resetting its password are done with one Keystone API call from this
// program (loopback, token from `openstack token issue`).
//
// Standard library only. Must run as root (MariaDB root via unix_socket,
// rabbitmqctl, the 0700 state directory). Talks to 127.0.0.1 only.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	stateDir = "/var/lib/octavia-bed"

	// The bed's single address. Everything listens here and only here.
	bedHost = "127.0.0.1"

	// Keystone as started by bed.sh. Debian serves the whole v3 API (there
	// is no separate admin API since Queens) on 5000 under uWSGI, so the
	// auth_port published here is 5000, not the keystone charm's 35357.
	keystoneProto = "http"
	keystonePort  = "5000"
	keystoneURL   = keystoneProto + "://" + bedHost + ":" + keystonePort + "/v3"

	adminRole     = "admin"    // keystone charm's admin-role config (default "Admin"); bootstrap made "admin"
	serviceTenant = "services" // keystone charm's service-tenant default
	serviceDomain = "default"  // brief; the domain's real name is "Default", lookups are case-insensitive
)

// valid_services of the keystone charm (only what the bed needs).
var validServices = map[string]struct{ typ, desc string }{
	"octavia": {"load-balancer", "Octavia Load Balancer as a Service for OpenStack"},
}

var (
	reIdent = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	reHost  = regexp.MustCompile(`^[A-Za-z0-9.:%_-]{1,255}$`)
	reName  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	reUnit  = regexp.MustCompile(`^[a-z][a-z0-9-]*/[0-9]+$`)
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	if os.Geteuid() != 0 {
		fatalf("must run as root (MariaDB root via unix_socket, rabbitmqctl, %s)", stateDir)
	}
	var out map[string]string
	switch os.Args[1] {
	case "shared-db":
		out = sharedDB(os.Args[2:])
	case "amqp":
		out = amqp(os.Args[2:])
	case "identity-service":
		out = identityService(os.Args[2:])
	case "neutron-api":
		out = neutronAPI(os.Args[2:])
	case "neutron-openvswitch":
		out = neutronOpenvswitch(os.Args[2:])
	case "certificates":
		out = certificates(os.Args[2:])
	case "-h", "--help", "help":
		usage()
	default:
		fatalf("unknown relation %q", os.Args[1])
	}
	b, err := json.Marshal(out)
	if err != nil {
		fatalf("%v", err)
	}
	fmt.Println(string(b))
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  provider shared-db --database DB --username USER --hostname ADDR --unit UNIT
  provider amqp --username USER --vhost VHOST
  provider identity-service --service octavia --region RegionOne --public-url URL
           --internal-url URL --admin-url URL --requested-roles a,b,c [--add-role-to-admin a,b,c]
  provider neutron-api
  provider neutron-openvswitch
  provider certificates [--request JSON] [--unit UNIT] [--validity 720h]   (request on stdin without --request)
`)
	os.Exit(2)
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "provider: "+format+"\n", a...)
	os.Exit(1)
}

// ------------------------------------------------------------------ helpers

// run executes name with args. stdin (which may carry a secret) is never part
// of an error message; stderr is.
func run(env []string, stdin, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = env
	}
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if os.Getenv("PROVIDER_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "provider: %.2fs %s %s\n", time.Since(start).Seconds(), name, strings.Join(args, " "))
	}
	if err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err,
			strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// firstLine keeps an error message to its first line (rabbitmqctl's run to dozens).
func firstLine(err error) string {
	return strings.SplitN(err.Error(), "\n", 2)[0]
}

func must(s string, err error) string {
	if err != nil {
		fatalf("%v", err)
	}
	return s
}

// secret returns the secret stored in stateDir/name, generating n random
// alphanumeric characters (0600) on first use.
func secret(name string, n int) string {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		fatalf("%v", err)
	}
	if err := os.Chmod(stateDir, 0o700); err != nil {
		fatalf("%v", err)
	}
	path := stateDir + "/" + name
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b))
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	pw := make([]byte, n)
	for i := range pw {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			fatalf("%v", err)
		}
		pw[i] = alphabet[k.Int64()]
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(pw, '\n'), 0o600); err != nil {
		fatalf("%v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		fatalf("%v", err)
	}
	return string(pw)
}

// remember appends line to stateDir/name unless it is there already (for reset).
func remember(name, line string) {
	path := stateDir + "/" + name
	b, _ := os.ReadFile(path)
	for _, l := range strings.Fields(string(b)) {
		if l == line {
			return
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fatalf("%v", err)
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}

func required(fs *flag.FlagSet, names ...string) {
	for _, n := range names {
		if fs.Lookup(n).Value.String() == "" {
			fatalf("%s: --%s is required", fs.Name(), n)
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ------------------------------------------------------------------ shared-db

func sharedDB(args []string) map[string]string {
	fs := flag.NewFlagSet("shared-db", flag.ExitOnError)
	database := fs.String("database", "", "database name")
	username := fs.String("username", "", "database user")
	hostname := fs.String("hostname", "", "requester address, or a JSON list of addresses")
	unit := fs.String("unit", "", "requesting (principal) unit, e.g. octavia/0")
	fs.Parse(args)
	required(fs, "database", "username", "hostname", "unit")
	if !reIdent.MatchString(*database) || !reIdent.MatchString(*username) {
		fatalf("shared-db: database and username must match %s", reIdent)
	}
	if !reUnit.MatchString(*unit) {
		fatalf("shared-db: --unit %q is not a unit name like octavia/0", *unit)
	}
	var hosts []string
	if strings.HasPrefix(*hostname, "[") {
		if err := json.Unmarshal([]byte(*hostname), &hosts); err != nil {
			fatalf("shared-db: --hostname is not a JSON list: %v", err)
		}
	} else {
		hosts = []string{*hostname}
	}
	// The charm connects straight to MariaDB at 127.0.0.1 (where mysql-router
	// would listen), so that grant is what matters; localhost covers the socket.
	hosts = append(hosts, bedHost, "localhost")
	seen := map[string]bool{}
	var grantHosts []string
	for _, h := range hosts {
		if !reHost.MatchString(h) {
			fatalf("shared-db: bad hostname %q", h)
		}
		if !seen[h] {
			seen[h] = true
			grantHosts = append(grantHosts, h)
		}
	}

	if _, err := run(nil, "", "mysqladmin", "--protocol=socket", "-uroot", "--connect-timeout=3", "ping"); err != nil {
		fatalf("shared-db: MariaDB is down; run test/bed/bed.sh up (%s)", firstLine(err))
	}
	pw := secret("mysql-user-"+*username+".pw", 32)
	remember("mysql-databases", *database)

	// SQL (with the password) on stdin: never on argv.
	var sql strings.Builder
	fmt.Fprintf(&sql, "CREATE DATABASE IF NOT EXISTS `%s`;\n", *database)
	for _, h := range grantHosts {
		fmt.Fprintf(&sql, "CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s';\n", *username, h, pw)
		fmt.Fprintf(&sql, "ALTER USER '%s'@'%s' IDENTIFIED BY '%s';\n", *username, h, pw)
		fmt.Fprintf(&sql, "GRANT ALL PRIVILEGES ON `%s`.* TO '%s'@'%s';\n", *database, *username, h)
	}
	sql.WriteString("SELECT @@GLOBAL.port, @@GLOBAL.wait_timeout;\n")
	out := must(run(nil, sql.String(), "mysql", "--protocol=socket", "-uroot", "-N", "-B"))
	f := strings.Fields(out)
	if len(f) != 2 {
		fatalf("shared-db: unexpected answer from mysql: %q", out)
	}
	// What mysql-router publishes to its principal (relation-interfaces.md §3.2/§3.4).
	return map[string]string{
		"db_host":       bedHost,
		"db_port":       f[0],
		"password":      pw,
		"allowed_units": *unit,
		"wait_timeout":  f[1],
	}
}

// ------------------------------------------------------------------ amqp

func rabbitmqctl(stdin string, args ...string) (string, error) {
	// /usr/sbin/rabbitmqctl re-executes itself through `su rabbitmq -c` when
	// run as root; stdin passes through.
	return run(nil, stdin, "rabbitmqctl", append([]string{"-q"}, args...)...)
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func amqp(args []string) map[string]string {
	fs := flag.NewFlagSet("amqp", flag.ExitOnError)
	username := fs.String("username", "", "rabbit user")
	vhost := fs.String("vhost", "", "rabbit vhost")
	fs.Parse(args)
	required(fs, "username", "vhost")
	if !reName.MatchString(*username) || !reName.MatchString(*vhost) {
		fatalf("amqp: username and vhost must match %s", reName)
	}
	if _, err := rabbitmqctl("", "status"); err != nil {
		fatalf("amqp: RabbitMQ is down; run test/bed/bed.sh up (%s)", firstLine(err))
	}
	pw := secret("rabbit-user-"+*username+".pw", 64) // the rabbit charm uses 64 characters

	vhosts := lines(must(rabbitmqctl("", "list_vhosts", "--no-table-headers", "name")))
	if !contains(vhosts, *vhost) {
		must(rabbitmqctl("", "add_vhost", *vhost))
	}
	exists := false
	for _, l := range lines(must(rabbitmqctl("", "list_users", "--no-table-headers"))) {
		if strings.Fields(l)[0] == *username {
			exists = true
		}
	}
	// RabbitMQ 3.10 reads the password from stdin when it is left off argv
	// (add_user, change_password, authenticate_user).
	if !exists {
		must(rabbitmqctl(pw+"\n", "add_user", *username))
	} else if _, err := rabbitmqctl(pw+"\n", "authenticate_user", *username); err != nil {
		must(rabbitmqctl(pw+"\n", "change_password", *username))
	}
	must(rabbitmqctl("", "set_permissions", "-p", *vhost, *username, ".*", ".*", ".*"))

	// What the rabbitmq-server leader publishes (relation-interfaces.md §4.2).
	// No ssl_port/ssl_ca: TLS is off. The consumer uses port 5672.
	return map[string]string{
		"hostname":        bedHost,
		"private-address": bedHost,
		"password":        pw,
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// ------------------------------------------------------------------ identity-service

// osEnv is the environment for the openstack CLI: the caller's, minus any
// OS_* (a stray OS_CLOUD or OS_TOKEN would win), plus the given credentials.
func osEnv(user, password, project string) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "OS_") && !strings.HasPrefix(strings.ToLower(e), "http_proxy=") &&
			!strings.HasPrefix(strings.ToLower(e), "https_proxy=") {
			env = append(env, e)
		}
	}
	return append(env,
		"OS_AUTH_URL="+keystoneURL, "OS_IDENTITY_API_VERSION=3", "OS_INTERFACE=public",
		"OS_USERNAME="+user, "OS_PASSWORD="+password, "OS_PROJECT_NAME="+project,
		"OS_USER_DOMAIN_ID=default", "OS_PROJECT_DOMAIN_ID=default",
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
}

type openstackCLI struct{ env []string }

func (o openstackCLI) json(v any, args ...string) {
	out := must(run(o.env, "", "openstack", append(args, "-f", "json")...))
	if err := json.Unmarshal([]byte(out), v); err != nil {
		fatalf("openstack %s: cannot parse output: %v", strings.Join(args, " "), err)
	}
}

type batchCmd struct {
	out  any    // where the JSON answer goes
	line string // an openstack command line, without -f json; plain words only
}

// batch runs read-only commands in one openstack process (commands on stdin)
// and decodes one JSON document per command, in order.
func (o openstackCLI) batch(cmds []batchCmd) {
	var in strings.Builder
	for _, c := range cmds {
		in.WriteString(c.line + " -f json\n")
	}
	cmd := exec.Command("openstack")
	cmd.Env = o.env
	cmd.Stdin = strings.NewReader(in.String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if os.Getenv("PROVIDER_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "provider: %.2fs openstack (batch of %d)\n", time.Since(start).Seconds(), len(cmds))
	}
	dec := json.NewDecoder(&stdout)
	for _, c := range cmds {
		if derr := dec.Decode(c.out); derr != nil {
			fatalf("openstack batch: no JSON answer for %q (%v; exit: %v): %s",
				c.line, derr, err, strings.TrimSpace(stderr.String()))
		}
	}
	// Anything left over means the answers and the commands may be misaligned.
	rest, _ := io.ReadAll(io.MultiReader(dec.Buffered(), &stdout))
	if len(bytes.TrimSpace(rest)) > 0 {
		fatalf("openstack batch: unexpected output: %s %s", bytes.TrimSpace(rest), strings.TrimSpace(stderr.String()))
	}
}

func (o openstackCLI) do(args ...string) {
	must(run(o.env, "", "openstack", args...))
}

// keystoneAPI sends one request to the local Keystone with an admin token.
func keystoneAPI(token, method, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(method, keystoneURL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

func keystoneUp() error {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Get(keystoneURL + "/")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 && resp.StatusCode != 300 {
		return fmt.Errorf("GET %s/: %s", keystoneURL, resp.Status)
	}
	return nil
}

type idName struct {
	ID   string `json:"ID"`
	Name string `json:"Name"`
}

func identityService(args []string) map[string]string {
	fs := flag.NewFlagSet("identity-service", flag.ExitOnError)
	service := fs.String("service", "", "service name (must be a keystone valid_service)")
	region := fs.String("region", "RegionOne", "region")
	publicURL := fs.String("public-url", "", "public endpoint URL")
	internalURL := fs.String("internal-url", "", "internal endpoint URL")
	adminURL := fs.String("admin-url", "", "admin endpoint URL")
	requested := fs.String("requested-roles", "", "comma-separated roles to create")
	addToAdmin := fs.String("add-role-to-admin", "\x00", "comma-separated roles to grant the admin user in the admin project (default: --requested-roles, as Octavia sends)")
	fs.Parse(args)
	required(fs, "service", "region", "public-url", "internal-url", "admin-url")
	svc, ok := validServices[*service]
	if !ok {
		// The keystone charm answers admin_token=-1 and fails to create endpoints.
		fatalf("identity-service: %q is not a keystone valid_service here (known: octavia)", *service)
	}
	if !reName.MatchString(*region) {
		fatalf("identity-service: bad region %q", *region)
	}
	roles := splitList(*requested)
	adminRoles := roles
	if *addToAdmin != "\x00" {
		adminRoles = splitList(*addToAdmin)
	}
	for _, r := range append(append([]string{}, roles...), adminRoles...) {
		if !reName.MatchString(r) {
			fatalf("identity-service: bad role name %q", r)
		}
	}
	urls := map[string]string{"public": *publicURL, "internal": *internalURL, "admin": *adminURL}

	if err := keystoneUp(); err != nil {
		fatalf("identity-service: Keystone is down; run test/bed/bed.sh up (%v)", err)
	}
	adminPW, err := os.ReadFile(stateDir + "/keystone-admin.pw")
	if err != nil {
		fatalf("identity-service: no Keystone admin password (%v); run test/bed/bed.sh up", err)
	}
	admin := openstackCLI{osEnv("admin", strings.TrimSpace(string(adminPW)), "admin")}

	// Each openstack CLI process costs about a second (Python start-up and a
	// password authentication), and running several at once does not help on
	// 2 cores. So the reads go through one process: `openstack` with no
	// arguments reads commands from stdin (cliff interactive mode).
	var (
		tok struct { // the admin token: admin user/project ids, and auth for the API calls below
			ID        string `json:"id"`
			ProjectID string `json:"project_id"`
			UserID    string `json:"user_id"`
		}
		domain struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		projects, roleList, users []idName
		regions                   []struct {
			Region string `json:"Region"`
		}
		services []struct {
			ID   string `json:"ID"`
			Name string `json:"Name"`
			Type string `json:"Type"`
		}
		assigned []struct {
			Role string `json:"Role"`
		}
	)
	admin.batch([]batchCmd{
		{&tok, "token issue"},
		{&domain, "domain show " + serviceDomain},
		{&projects, "project list --domain " + serviceDomain},
		{&roleList, "role list"},
		{&regions, "region list"},
		{&users, "user list --domain " + serviceDomain},
		{&services, "service list"},
		{&assigned, "role assignment list --user admin --user-domain default --project admin --project-domain default"},
	})

	// Project "services".
	tenantID := findName(projects, serviceTenant)
	if tenantID == "" {
		var p struct {
			ID string `json:"id"`
		}
		admin.json(&p, "project", "create", "--domain", domain.ID, "--description", "Service Project", serviceTenant)
		tenantID = p.ID
	}

	// Roles: the admin role, the requested ones, and those for the admin user.
	roleID := map[string]string{}
	for _, r := range roleList {
		roleID[r.Name] = r.ID
	}
	for _, r := range append(append([]string{adminRole}, roles...), adminRoles...) {
		if roleID[r] == "" {
			var nr struct {
				ID string `json:"id"`
			}
			admin.json(&nr, "role", "create", r)
			roleID[r] = nr.ID
		}
	}

	// Region.
	haveRegion := false
	for _, r := range regions {
		haveRegion = haveRegion || r.Region == *region
	}
	if !haveRegion {
		admin.do("region", "create", *region)
	}

	// Service user, named after the service, in the service domain.
	userName := *service
	pw := secret("keystone-user-"+userName+".pw", 32)
	userID := findName(users, userName)
	if userID == "" {
		// Through the API, not `openstack user create --password` (argv).
		err := keystoneAPI(tok.ID, "POST", "/users", map[string]any{"user": map[string]any{
			"name": userName, "domain_id": domain.ID, "password": pw, "enabled": true,
			"description": "service user of the Octavia test bed"}})
		if err != nil {
			fatalf("identity-service: creating user %s: %v", userName, err)
		}
		admin.json(&users, "user", "list", "--domain", domain.ID)
		if userID = findName(users, userName); userID == "" {
			fatalf("identity-service: user %s not found after creation", userName)
		}
	}

	// Service entry: find by name and type, create once.
	serviceID := ""
	for _, s := range services {
		if s.Name == *service && s.Type == svc.typ && serviceID == "" {
			serviceID = s.ID
		}
	}
	if serviceID == "" {
		var s struct {
			ID string `json:"id"`
		}
		admin.json(&s, "service", "create", "--name", *service, "--description", svc.desc, svc.typ)
		serviceID = s.ID
	}

	parallel(
		func() {
			// Role admin in project services (a PUT: idempotent in Keystone).
			admin.do("role", "add", "--user", userID, "--project", tenantID, roleID[adminRole])
			// Does the stored password work? If not (state lost), reset it.
			svcCLI := openstackCLI{osEnv(userName, pw, serviceTenant)}
			if _, err := run(svcCLI.env, "", "openstack", "token", "issue", "-f", "value", "-c", "id"); err != nil {
				if err := keystoneAPI(tok.ID, "PATCH", "/users/"+userID,
					map[string]any{"user": map[string]any{"password": pw}}); err != nil {
					fatalf("identity-service: resetting the password of %s: %v", userName, err)
				}
				must(run(svcCLI.env, "", "openstack", "token", "issue", "-f", "value", "-c", "id"))
			}
		},
		func() {
			// add_role_to_admin: these roles for the cloud admin in the admin project.
			have := map[string]bool{}
			for _, a := range assigned {
				have[a.Role] = true
			}
			for _, r := range adminRoles {
				if !have[roleID[r]] {
					admin.do("role", "add", "--user", tok.UserID, "--project", tok.ProjectID, roleID[r])
					have[roleID[r]] = true
				}
			}
		},
		func() {
			// Endpoints: one per interface in the region; update the URL if
			// it changed, delete duplicates, never create a second one.
			var eps []struct {
				ID        string `json:"ID"`
				Interface string `json:"Interface"`
				URL       string `json:"URL"`
			}
			admin.json(&eps, "endpoint", "list", "--service", serviceID, "--region", *region)
			for _, iface := range []string{"admin", "internal", "public"} {
				var same []string // endpoints of this interface, one with the right URL first
				for _, e := range eps {
					if e.Interface == iface && e.URL == urls[iface] {
						same = append([]string{e.ID}, same...)
					} else if e.Interface == iface {
						same = append(same, e.ID)
					}
				}
				if len(same) == 0 {
					admin.do("endpoint", "create", "--region", *region, serviceID, iface, urls[iface])
					continue
				}
				for _, e := range eps {
					if e.ID == same[0] && e.URL != urls[iface] {
						admin.do("endpoint", "set", "--url", urls[iface], e.ID)
					}
				}
				for _, dup := range same[1:] {
					admin.do("endpoint", "delete", dup)
				}
			}
		},
	)

	var created []string
	for _, r := range roles {
		if roleID[r] != "" {
			created = append(created, r)
		}
	}

	// What the keystone leader publishes (relation-interfaces.md §5.2).
	return map[string]string{
		"service_host":      bedHost,
		"service_port":      keystonePort,
		"service_protocol":  keystoneProto,
		"internal_host":     bedHost,
		"internal_port":     keystonePort,
		"internal_protocol": keystoneProto,
		"auth_host":         bedHost,
		"auth_port":         keystonePort, // Debian Keystone serves admin on 5000 too (charm default 35357)
		"auth_protocol":     keystoneProto,
		"service_username":  userName,
		"service_password":  pw,
		"service_user_id":   userID,
		"service_tenant":    serviceTenant,
		"service_tenant_id": tenantID,
		"service_domain":    serviceDomain,
		"service_domain_id": domain.ID,
		"api_version":       "3",
		"admin_domain_id":   domain.ID,
		"admin_project_id":  tok.ProjectID,
		"admin_user_id":     tok.UserID,
		"admin_role":        adminRole,
		"created_roles":     strings.Join(created, ","),
		"service_type":      svc.typ,
	}
}

// parallel runs fns concurrently and waits for all of them.
func parallel(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	wg.Wait()
}

func findName(list []idName, name string) string {
	var ids []string
	for _, x := range list {
		if x.Name == name {
			ids = append(ids, x.ID)
		}
	}
	if len(ids) > 1 {
		sort.Strings(ids)
		fmt.Fprintf(os.Stderr, "provider: warning: %d entries named %q, using %s\n", len(ids), name, ids[0])
	}
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}
