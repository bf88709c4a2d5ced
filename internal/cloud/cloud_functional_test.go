//go:build functional

package cloud

// Functional tests against the test bed's real Keystone and Neutron (and
// Nova and Glance when they run): go test -tags functional ./internal/cloud/ -v
//
// Every test gets a fresh project and a user with the admin role in it, and
// removes everything it made at the end, Keystone entries included.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/quotasets"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/roles"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/imagedata"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/agents"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/attributestags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/quotas"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

const adminOpenrc = "/var/lib/octavia-bed/admin-openrc"

// bed is an admin session on the test bed's Keystone and Neutron.
type bed struct {
	env                        map[string]string
	identity, network, compute *gophercloud.ServiceClient
	image                      *gophercloud.ServiceClient // nil when Glance is not in the catalog
	novaUp                     bool
	flavorBefore               string // ID of a charm-octavia flavor older than the test
}

// flavorID is the ID of the flavor named charm-octavia, if any.
func (b *bed) flavorID(t *testing.T) string {
	t.Helper()
	pages, err := flavors.ListDetail(b.compute, flavors.ListOpts{AccessType: flavors.AllAccess}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all, _ := flavors.ExtractFlavors(pages)
	for _, f := range all {
		if f.Name == flavorName {
			return f.ID
		}
	}
	return ""
}

func newBed(t *testing.T) *bed {
	t.Helper()
	env, err := readOpenrc(adminOpenrc)
	if err != nil {
		t.Skipf("no test bed admin credentials (%v): run test/bed/bed.sh up", err)
	}
	ctx := context.Background()
	provider, err := openstack.NewClient(env["OS_AUTH_URL"])
	if err != nil {
		t.Fatal(err)
	}
	// The bed's uWSGI servers reset reused idle connections now and then
	// (seen on Keystone): the admin session does not keep any.
	provider.HTTPClient = http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: RequestTimeout}
	err = openstack.Authenticate(ctx, provider, gophercloud.AuthOptions{
		IdentityEndpoint: env["OS_AUTH_URL"], Username: env["OS_USERNAME"], Password: env["OS_PASSWORD"],
		DomainName: env["OS_USER_DOMAIN_NAME"],
		Scope:      &gophercloud.AuthScope{ProjectName: env["OS_PROJECT_NAME"], DomainName: env["OS_PROJECT_DOMAIN_NAME"]},
	})
	if err != nil {
		t.Skipf("test bed Keystone: %v", err)
	}
	eo := gophercloud.EndpointOpts{Region: env["OS_REGION_NAME"]}
	b := &bed{env: env}
	if b.identity, err = openstack.NewIdentityV3(provider, eo); err != nil {
		t.Fatal(err)
	}
	if b.network, err = openstack.NewNetworkV2(provider, eo); err != nil {
		t.Skipf("test bed has no reachable Neutron (%v): test/bed/components/neutron.sh", err)
	}
	if b.compute, err = openstack.NewComputeV2(provider, eo); err == nil {
		short, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = flavors.ListDetail(b.compute, nil).AllPages(short)
		cancel()
		b.novaUp = err == nil
	}
	if !b.novaUp {
		t.Logf("Nova API not usable on the bed (%v): flavor, keypair and Nova quota parts are checked for a wrapped error only", err)
	} else {
		// Flavors are global: remove the charm's flavor at the end of the
		// test unless it was there before.
		b.flavorBefore = b.flavorID(t)
		t.Cleanup(func() {
			if id := b.flavorID(t); id != "" && b.flavorBefore == "" {
				if err := flavors.Delete(ctx, b.compute, id).ExtractErr(); err != nil {
					t.Errorf("delete flavor %s: %v", id, err)
				}
			}
		})
	}
	if b.image, err = openstack.NewImageV2(provider, eo); err != nil {
		b.image = nil
	}
	return b
}

// readOpenrc parses the shell exports of an openrc file without a shell.
func readOpenrc(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(k, "OS_") {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		env[k] = v
	}
	if env["OS_AUTH_URL"] == "" || env["OS_PASSWORD"] == "" {
		return nil, errors.New("openrc lacks OS_AUTH_URL or OS_PASSWORD")
	}
	return env, nil
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// tenant is a fresh project with an admin user in it: the charm's service
// project and user for one test.
type tenant struct {
	projectID string
	creds     Credentials
}

func (b *bed) tenant(t *testing.T) tenant {
	t.Helper()
	ctx := context.Background()
	name := "cloud-ft-" + randomHex(t, 4)
	project, err := projects.Create(ctx, b.identity, projects.CreateOpts{Name: name, DomainID: "default", Description: "internal/cloud functional test"}).Extract()
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	password := randomHex(t, 16)
	user, err := users.Create(ctx, b.identity, users.CreateOpts{Name: name, DomainID: "default", Password: password, DefaultProjectID: project.ID}).Extract()
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	t.Cleanup(func() {
		b.purge(t, project.ID)
		if err := users.Delete(ctx, b.identity, user.ID).ExtractErr(); err != nil {
			t.Errorf("delete user %s: %v", user.ID, err)
		}
		if err := projects.Delete(ctx, b.identity, project.ID).ExtractErr(); err != nil {
			t.Errorf("delete project %s: %v", project.ID, err)
		}
	})
	pages, err := roles.List(b.identity, roles.ListOpts{Name: "admin"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := roles.ExtractRoles(pages)
	if err != nil || len(admin) != 1 {
		t.Fatalf("admin role: %v, %v", admin, err)
	}
	if err := roles.Assign(ctx, b.identity, admin[0].ID, roles.AssignOpts{UserID: user.ID, ProjectID: project.ID}).ExtractErr(); err != nil {
		t.Fatalf("assign admin role: %v", err)
	}
	return tenant{projectID: project.ID, creds: Credentials{
		AuthURL: b.env["OS_AUTH_URL"], Username: name, Password: password, UserDomain: "Default",
		Project: name, ProjectDomain: "Default", Region: b.env["OS_REGION_NAME"], Interface: "public",
	}}
}

func (b *bed) connect(t *testing.T, tn tenant) *Cloud {
	t.Helper()
	c, err := Connect(context.Background(), tn.creds)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if c.ProjectID() != tn.projectID {
		t.Fatalf("session project %s, want %s", c.ProjectID(), tn.projectID)
	}
	return c
}

// purge deletes every Neutron resource of a project and resets its
// quotas. Other work on the bed restarts Neutron now and then: a purge cut
// short by a connection error is tried again for a while.
func (b *bed) purge(t *testing.T, projectID string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		err := b.purgeOnce(projectID)
		var httpErr gophercloud.ErrUnexpectedResponseCode
		if err == nil || errors.As(err, &httpErr) || time.Now().After(deadline) {
			if err != nil {
				t.Errorf("purge project %s: %v", projectID, err)
			}
			return
		}
		t.Logf("purge project %s: %v; trying again", projectID, err)
		time.Sleep(5 * time.Second)
	}
}

func (b *bed) purgeOnce(projectID string) error {
	ctx := context.Background()
	nc := b.network
	ignore404 := func(err error) error {
		if isNotFound(err) {
			return nil
		}
		return err
	}
	ps, err := listPorts(ctx, nc, ports.ListOpts{ProjectID: projectID})
	if err != nil {
		return err
	}
	for _, p := range ps {
		switch {
		case strings.HasPrefix(p.DeviceOwner, "network:router_interface"):
			_, err = routers.RemoveInterface(ctx, nc, p.DeviceID, routers.RemoveInterfaceOpts{PortID: p.ID}).Extract()
		case strings.HasPrefix(p.DeviceOwner, "network:"):
			continue // DHCP ports go with their network
		default:
			err = ports.Delete(ctx, nc, p.ID).ExtractErr()
		}
		if err := ignore404(err); err != nil {
			return fmt.Errorf("port %s: %w", p.ID, err)
		}
	}
	rs, err := listRouters(ctx, nc, routers.ListOpts{ProjectID: projectID})
	if err != nil {
		return err
	}
	for _, r := range rs {
		if err := ignore404(routers.Delete(ctx, nc, r.ID).ExtractErr()); err != nil {
			return fmt.Errorf("router %s: %w", r.ID, err)
		}
	}
	nets, err := listNetworks(ctx, nc, networks.ListOpts{ProjectID: projectID})
	if err != nil {
		return err
	}
	for _, n := range nets {
		if err := ignore404(networks.Delete(ctx, nc, n.ID).ExtractErr()); err != nil {
			return fmt.Errorf("network %s: %w", n.ID, err)
		}
	}
	sgs, err := listSecGroups(ctx, nc, groups.ListOpts{ProjectID: projectID})
	if err != nil {
		return err
	}
	for _, g := range sgs {
		if err := ignore404(groups.Delete(ctx, nc, g.ID).ExtractErr()); err != nil {
			return fmt.Errorf("security group %s: %w", g.ID, err)
		}
	}
	if err := ignore404(quotas.Delete(ctx, nc, projectID).ExtractErr()); err != nil {
		return fmt.Errorf("neutron quotas: %w", err)
	}
	if b.novaUp {
		if err := ignore404(quotasets.Delete(ctx, b.compute, projectID).Err); err != nil {
			return fmt.Errorf("nova quotas: %w", err)
		}
	}
	return nil
}

// inventory is every Neutron resource of a project, by kind, for "nothing
// was created" checks (the default security group Neutron makes on first
// use is left out).
func (b *bed) inventory(t *testing.T, projectID string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	nets, err := listNetworks(ctx, b.network, networks.ListOpts{ProjectID: projectID})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nets {
		out["network"] = append(out["network"], n.ID)
	}
	subs, _ := listSubnets(ctx, b.network, subnets.ListOpts{ProjectID: projectID})
	for _, s := range subs {
		out["subnet"] = append(out["subnet"], s.ID)
	}
	rs, _ := listRouters(ctx, b.network, routers.ListOpts{ProjectID: projectID})
	for _, r := range rs {
		out["router"] = append(out["router"], r.ID)
	}
	sgs, _ := listSecGroups(ctx, b.network, groups.ListOpts{ProjectID: projectID})
	for _, g := range sgs {
		if g.Name != "default" {
			out["security group"] = append(out["security group"], g.ID)
		}
	}
	ps, _ := listPorts(ctx, b.network, ports.ListOpts{ProjectID: projectID})
	for _, p := range ps {
		out["port"] = append(out["port"], p.ID)
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

// checkComputeParts accepts an error only from the Nova parts, and only
// when Nova is down.
func (b *bed) checkComputeParts(t *testing.T, rep Report, err error) {
	t.Helper()
	if b.novaUp {
		if err != nil {
			t.Fatalf("EnsureResources: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatal("EnsureResources succeeded although Nova is down")
	}
	for _, line := range rep.Failed {
		if !strings.Contains(line, "flavor") && !strings.Contains(line, "nova") && !strings.Contains(line, "keypair") {
			t.Errorf("failure outside the Nova parts: %s", line)
		}
	}
}

func withoutNova(lines []string) []string {
	return slices.DeleteFunc(slices.Clone(lines), func(l string) bool {
		return strings.HasPrefix(l, "flavor") || strings.HasPrefix(l, "nova quota") || strings.HasPrefix(l, "keypair")
	})
}

func TestFunctionalConnect(t *testing.T) {
	b := newBed(t)
	tn := b.tenant(t)
	var took []time.Duration
	for range 5 {
		start := time.Now()
		b.connect(t, tn)
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	t.Logf("timing: Connect (token issue) min %v median %v max %v", took[0], took[2], took[4])
}

func TestFunctionalEnsureResourcesConverges(t *testing.T) {
	b := newBed(t)
	tn := b.tenant(t)
	c := b.connect(t, tn)
	ctx := context.Background()
	w := Want{Create: true, ImageTag: "amphora-ft-" + randomHex(t, 3),
		SSHKeyName: "octavia-ft-" + randomHex(t, 3), SSHPublicKeyB64: base64.StdEncoding.EncodeToString([]byte(sshPublicKey(t)))}
	if b.novaUp {
		t.Cleanup(func() {
			cc, _ := c.compute()
			if err := keypairs.Delete(ctx, cc, w.SSHKeyName, nil).ExtractErr(); err != nil {
				t.Errorf("delete keypair: %v", err)
			}
		})
	}

	start := time.Now()
	first, rep, err := c.EnsureResources(ctx, w)
	t.Logf("timing: EnsureResources first run %v", time.Since(start))
	t.Logf("first run report: %#v", rep)
	b.checkComputeParts(t, rep, err)

	wantCreated := []string{
		describe("network", networkName, first.NetworkID),
		describe("subnet", subnetName, first.SubnetID) + " " + first.SubnetCIDR,
		describe("router", routerName, first.RouterID),
		"router interface on subnet " + first.SubnetID,
		describe("security group", amphoraSecGroupName, first.AmphoraSecGroupID),
		"rule ingress IPv6 icmpv6 in security group lb-mgmt-sec-grp",
		"rule ingress IPv6 tcp 22 in security group lb-mgmt-sec-grp",
		"rule ingress IPv6 tcp 9443 in security group lb-mgmt-sec-grp",
		describe("security group", healthSecGroupName, first.HealthSecGroupID),
		"rule ingress IPv6 icmpv6 in security group lb-health-mgr-sec-grp",
		"rule ingress IPv6 udp 5555 in security group lb-health-mgr-sec-grp",
		"neutron quota port raised from 500 to 3000",
		"neutron quota security_group raised from 10 to 1010",
		"neutron quota security_group_rule raised from 100 to 10100",
	}
	if got := withoutNova(rep.Created); !slices.Equal(got, wantCreated) {
		t.Errorf("created:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCreated, "\n"))
	}
	if want := []string{"active image tagged " + w.ImageTag}; !slices.Equal(withoutNova(rep.Missing), want) {
		t.Errorf("missing %q, want %q", rep.Missing, want)
	}
	if b.novaUp {
		b.checkNovaParts(t, tn, first, rep, w.SSHKeyName)
	}
	if cidr, _ := ManagementCIDR(first.NetworkID); first.SubnetCIDR != cidr || !strings.HasPrefix(cidr, "fd00:") {
		t.Errorf("subnet CIDR %s, want %s", first.SubnetCIDR, cidr)
	}
	if first.MTU == 0 {
		t.Error("no MTU read from the network")
	}
	sub, err := subnets.Get(ctx, b.network, first.SubnetID).Extract()
	if err != nil || sub.IPv6AddressMode != "slaac" || sub.IPv6RAMode != "slaac" || sub.IPVersion != 6 || !slices.Contains(sub.Tags, TagManagement) {
		t.Errorf("subnet %+v, %v", sub, err)
	}
	features, _ := c.features(ctx, b.network)
	router, err := routers.Get(ctx, b.network, first.RouterID).Extract()
	if err != nil || (features.dvr && router.Distributed) || router.GatewayInfo.NetworkID != "" {
		t.Errorf("router %+v, %v", router, err)
	}
	t.Logf("neutron extensions: router=%v dvr=%v; router distributed=%v", features.router, features.dvr, router.Distributed)
	q, err := quotas.Get(ctx, b.network, tn.projectID).Extract()
	if err != nil || q.Port != 3000 || q.SecurityGroup != 1010 || q.SecurityGroupRule != 10100 || q.Network != 100 {
		t.Errorf("neutron quotas %+v, %v", q, err)
	}
	before := b.inventory(t, tn.projectID)

	start = time.Now()
	second, rep, err := c.EnsureResources(ctx, w)
	t.Logf("timing: EnsureResources converged run %v", time.Since(start))
	b.checkComputeParts(t, rep, err)
	if second != first {
		t.Errorf("second pass resources %+v, first %+v", second, first)
	}
	if len(rep.Created) != 0 {
		t.Errorf("second pass created %q", rep.Created)
	}
	if after := b.inventory(t, tn.projectID); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("second pass changed the project: %v -> %v", before, after)
	}

	// A fresh session (a new hook) converges just as well.
	start = time.Now()
	third, rep, err := b.connect(t, tn).EnsureResources(ctx, w)
	t.Logf("timing: Connect + EnsureResources converged run %v", time.Since(start))
	b.checkComputeParts(t, rep, err)
	if third != first || len(rep.Created) != 0 {
		t.Errorf("new session: %+v, created %q", third, rep.Created)
	}
}

// checkNovaParts checks the flavor, keypair and Nova quotas of a first
// EnsureResources pass.
func (b *bed) checkNovaParts(t *testing.T, tn tenant, res Resources, rep Report, keyName string) {
	t.Helper()
	ctx := context.Background()
	if res.FlavorID == "" {
		t.Fatal("no flavor")
	}
	if b.flavorBefore == "" {
		f, err := flavors.Get(ctx, b.compute, res.FlavorID).Extract()
		if err != nil || f.IsPublic || f.RAM != 1024 || f.VCPUs != 1 || f.Disk != 8 || !slices.Contains(rep.Created, describe("flavor", flavorName, res.FlavorID)) {
			t.Errorf("flavor %+v, %v; created %q", f, err, rep.Created)
		}
		pages, err := flavors.ListAccesses(b.compute, res.FlavorID).AllPages(ctx)
		access, _ := flavors.ExtractAccesses(pages)
		if err != nil || len(access) != 1 || access[0].TenantID != tn.projectID {
			t.Errorf("flavor access %+v, %v", access, err)
		}
	}
	if !slices.Contains(rep.Created, "keypair "+keyName) {
		t.Errorf("keypair not created: %q", rep.Created)
	}
	q, err := quotasets.Get(ctx, b.compute, tn.projectID).Extract()
	if err != nil || q.Instances != 1000 || q.Cores != 1000 || q.RAM != 1024000 || q.ServerGroups != 1000 || q.ServerGroupMembers < 2 {
		t.Errorf("nova quotas %+v, %v", q, err)
	}
}

// sshPublicKey is a fresh ed25519 public key in OpenSSH's format.
func sshPublicKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var wire bytes.Buffer
	for _, field := range [][]byte{[]byte("ssh-ed25519"), pub} {
		_ = binary.Write(&wire, binary.BigEndian, uint32(len(field)))
		wire.Write(field)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(wire.Bytes()) + " octavia-ft"
}

func TestFunctionalQuotasAreNeverLowered(t *testing.T) {
	b := newBed(t)
	tn := b.tenant(t)
	ctx := context.Background()
	if err := quotas.Update(ctx, b.network, tn.projectID, quotas.UpdateOpts{Port: ptr(5000), SecurityGroup: ptr(-1), SecurityGroupRule: ptr(20)}).Err; err != nil {
		t.Fatal(err)
	}
	_, rep, err := b.connect(t, tn).EnsureResources(ctx, Want{Create: true})
	b.checkComputeParts(t, rep, err)
	q, err := quotas.Get(ctx, b.network, tn.projectID).Extract()
	if err != nil || q.Port != 5000 || q.SecurityGroup != -1 || q.SecurityGroupRule != 10100 {
		t.Errorf("quotas %+v, %v", q, err)
	}
}

func TestFunctionalDiscoverOnlyOnEmptyProject(t *testing.T) {
	b := newBed(t)
	tn := b.tenant(t)
	c := b.connect(t, tn)
	tag := "amphora-ft-" + randomHex(t, 3)
	res, rep, err := c.EnsureResources(context.Background(), Want{ImageTag: tag, SSHKeyName: "octavia-ft"})
	t.Logf("report: %#v", rep)
	b.checkComputeParts(t, rep, err)
	want := []string{
		"network tagged charm-octavia",
		"subnet tagged charm-octavia",
		"security group tagged charm-octavia",
		"security group tagged charm-octavia-health",
		"active image tagged " + tag,
	}
	if b.novaUp && b.flavorBefore == "" {
		want = slices.Insert(want, 4, "flavor: set custom-amp-flavor-id")
	}
	if b.novaUp {
		want = slices.Insert(want, len(want)-1, "keypair octavia-ft: set amp-ssh-pub-key")
	}
	if !slices.Equal(rep.Missing, want) {
		t.Errorf("missing:\n%s\nwant:\n%s", strings.Join(rep.Missing, "\n"), strings.Join(want, "\n"))
	}
	if res.FlavorID != b.flavorBefore || res.FlavorID == "" && (res != (Resources{}) || len(rep.Found) != 0) || len(rep.Created) != 0 {
		t.Errorf("resources %+v, report %#v", res, rep)
	}
	if b.novaUp {
		_, rep, err := c.EnsureResources(context.Background(), Want{CustomFlavorID: "no-such-flavor"})
		if err != nil || !slices.Contains(rep.Missing, "flavor no-such-flavor (custom-amp-flavor-id)") {
			t.Errorf("unknown custom flavor: %v, %#v", err, rep)
		}
		f, err := flavors.Create(context.Background(), b.compute, flavors.CreateOpts{Name: "cloud-ft-" + randomHex(t, 3), RAM: 512, VCPUs: 2, Disk: ptr(1)}).Extract()
		if err != nil {
			t.Fatal(err)
		}
		defer flavors.Delete(context.Background(), b.compute, f.ID)
		res, rep, err = c.EnsureResources(context.Background(), Want{CustomFlavorID: f.ID})
		if err != nil || res.FlavorID != f.ID || !slices.Contains(rep.Found, describe("flavor", f.Name, f.ID)) {
			t.Errorf("custom flavor: %+v, %v, %#v", res, err, rep)
		}
	}
	if inv := b.inventory(t, tn.projectID); len(inv) != 0 {
		t.Errorf("discovery created %v", inv)
	}
}

// createTagged makes a network resource as an operator would, then tags it.
func createTagged(t *testing.T, b *bed, resourceType, id string, tags ...string) {
	t.Helper()
	if err := attributestags.ReplaceAll(context.Background(), b.network, resourceType, id, attributestags.ReplaceAllOpts{Tags: tags}).Err; err != nil {
		t.Fatalf("tag %s %s: %v", resourceType, id, err)
	}
}

func (b *bed) operatorNetwork(t *testing.T, projectID, name string, tags ...string) string {
	t.Helper()
	n, err := networks.Create(context.Background(), b.network, networks.CreateOpts{Name: name, ProjectID: projectID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) > 0 {
		createTagged(t, b, "networks", n.ID, tags...)
	}
	return n.ID
}

func (b *bed) operatorSubnet(t *testing.T, projectID, networkID, cidr string, tags ...string) string {
	t.Helper()
	s, err := subnets.Create(context.Background(), b.network, subnets.CreateOpts{
		NetworkID: networkID, ProjectID: projectID, IPVersion: gophercloud.IPv6, CIDR: cidr,
		IPv6AddressMode: "slaac", IPv6RAMode: "slaac",
	}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) > 0 {
		createTagged(t, b, "subnets", s.ID, tags...)
	}
	return s.ID
}

func (b *bed) operatorSecGroup(t *testing.T, projectID, name string, tags ...string) string {
	t.Helper()
	g, err := groups.Create(context.Background(), b.network, groups.CreateOpts{Name: name, ProjectID: projectID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	createTagged(t, b, "security-groups", g.ID, tags...)
	return g.ID
}

func TestFunctionalDiscoversOperatorResources(t *testing.T) {
	b := newBed(t)
	tn := b.tenant(t)
	// Upstream's fc00: prefix and other names: found by tag, kept as they are.
	netID := b.operatorNetwork(t, tn.projectID, "operator-mgmt", TagManagement)
	subID := b.operatorSubnet(t, tn.projectID, netID, "fc00:1:2:3::/64", TagManagement)
	b.operatorSubnet(t, tn.projectID, netID, "fc00:9:9:9::/64") // untagged: ignored
	ampID := b.operatorSecGroup(t, tn.projectID, "operator-amp", TagManagement)
	hmID := b.operatorSecGroup(t, tn.projectID, "operator-hm", TagHealth)
	before := b.inventory(t, tn.projectID)

	res, rep, err := b.connect(t, tn).EnsureResources(context.Background(), Want{})
	t.Logf("report: %#v", rep)
	b.checkComputeParts(t, rep, err)
	if res.NetworkID != netID || res.SubnetID != subID || res.SubnetCIDR != "fc00:1:2:3::/64" || res.AmphoraSecGroupID != ampID || res.HealthSecGroupID != hmID || res.RouterID != "" {
		t.Errorf("resources %+v", res)
	}
	if len(rep.Created) != 0 || len(withoutNova(rep.Missing)) != 0 || len(rep.Found) != 4 {
		t.Errorf("report %#v", rep)
	}
	if after := b.inventory(t, tn.projectID); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("discovery changed the project: %v -> %v", before, after)
	}
}

func TestFunctionalDuplicatesCreateNothing(t *testing.T) {
	b := newBed(t)
	ctx := context.Background()

	t.Run("two tagged networks", func(t *testing.T) {
		tn := b.tenant(t)
		one := b.operatorNetwork(t, tn.projectID, "mgmt-a", TagManagement)
		two := b.operatorNetwork(t, tn.projectID, "mgmt-b", TagManagement)
		before := b.inventory(t, tn.projectID)
		_, rep, err := b.connect(t, tn).EnsureResources(ctx, Want{Create: true})
		var dup *DuplicateError
		if !errors.As(err, &dup) || dup.What != "network" || dup.Tag != TagManagement || !slices.Equal(dup.IDs, slices.Sorted(slices.Values([]string{one, two}))) {
			t.Fatalf("EnsureResources = %v", err)
		}
		t.Logf("error: %v", err)
		if len(rep.Created) != 0 || len(rep.Failed) != 1 {
			t.Errorf("report %#v", rep)
		}
		if after := b.inventory(t, tn.projectID); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("changed the project: %v -> %v", before, after)
		}
	})

	t.Run("two tagged subnets", func(t *testing.T) {
		tn := b.tenant(t)
		netID := b.operatorNetwork(t, tn.projectID, "mgmt", TagManagement)
		b.operatorSubnet(t, tn.projectID, netID, "fd00:1::/64", TagManagement)
		b.operatorSubnet(t, tn.projectID, netID, "fd00:2::/64", TagManagement)
		before := b.inventory(t, tn.projectID)
		_, _, err := b.connect(t, tn).EnsureResources(ctx, Want{Create: true})
		var dup *DuplicateError
		if !errors.As(err, &dup) || dup.What != "subnet" || len(dup.IDs) != 2 {
			t.Fatalf("EnsureResources = %v", err)
		}
		t.Logf("error: %v", err)
		if after := b.inventory(t, tn.projectID); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("changed the project: %v -> %v", before, after)
		}
	})

	t.Run("two health security groups", func(t *testing.T) {
		tn := b.tenant(t)
		b.operatorSecGroup(t, tn.projectID, "hm-a", TagHealth)
		b.operatorSecGroup(t, tn.projectID, "hm-b", TagHealth)
		before := b.inventory(t, tn.projectID)
		_, _, err := b.connect(t, tn).EnsureResources(ctx, Want{Create: true})
		var dup *DuplicateError
		if !errors.As(err, &dup) || dup.What != "security group" || dup.Tag != TagHealth {
			t.Fatalf("EnsureResources = %v", err)
		}
		if after := b.inventory(t, tn.projectID); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("changed the project: %v -> %v", before, after)
		}
	})
}

func TestFunctionalRepairsAndAdopts(t *testing.T) {
	b := newBed(t)
	tn := b.tenant(t)
	ctx := context.Background()
	// An interrupted pass left an untagged lb-mgmt-net behind.
	orphan := b.operatorNetwork(t, tn.projectID, networkName)
	c := b.connect(t, tn)
	first, rep, err := c.EnsureResources(ctx, Want{Create: true})
	b.checkComputeParts(t, rep, err)
	if first.NetworkID != orphan || !strings.Contains(rep.Created[0], "tagged now") {
		t.Errorf("orphan not adopted: %+v, %q", first, rep.Created)
	}

	// The operator deletes the health-manager security group.
	if err := groups.Delete(ctx, b.network, first.HealthSecGroupID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	second, rep, err := c.EnsureResources(ctx, Want{Create: true})
	b.checkComputeParts(t, rep, err)
	want := []string{
		describe("security group", healthSecGroupName, second.HealthSecGroupID),
		"rule ingress IPv6 icmpv6 in security group lb-health-mgr-sec-grp",
		"rule ingress IPv6 udp 5555 in security group lb-health-mgr-sec-grp",
	}
	if !slices.Equal(withoutNova(rep.Created), want) || second.HealthSecGroupID == first.HealthSecGroupID {
		t.Errorf("created %q, want %q", rep.Created, want)
	}
	second.HealthSecGroupID = first.HealthSecGroupID
	if second != first {
		t.Errorf("other resources changed: %+v -> %+v", first, second)
	}
}

func TestFunctionalImageLookup(t *testing.T) {
	b := newBed(t)
	if b.image == nil {
		t.Skip("Glance is not in the bed's catalog")
	}
	tn := b.tenant(t)
	ctx := context.Background()
	tag := "amphora-ft-" + randomHex(t, 3)
	img, err := images.Create(ctx, b.image, images.CreateOpts{Name: tag, Tags: []string{tag}, ContainerFormat: "bare", DiskFormat: "raw"}).Extract()
	if err != nil {
		t.Fatalf("create image: %v", err)
	}
	t.Cleanup(func() { _ = images.Delete(ctx, b.image, img.ID).ExtractErr() })
	c := b.connect(t, tn)

	// Not active yet: no data.
	res, rep, _ := c.EnsureResources(ctx, Want{ImageTag: tag})
	if res.ImageID != "" || !slices.Contains(rep.Missing, "active image tagged "+tag) {
		t.Errorf("queued image: %+v, %#v", res, rep)
	}
	if err := imagedata.Upload(ctx, b.image, img.ID, bytes.NewReader(make([]byte, 512))).ExtractErr(); err != nil {
		t.Skipf("Glance cannot store image data on the bed: %v", err)
	}
	res, rep, _ = c.EnsureResources(ctx, Want{ImageTag: tag})
	if res.ImageID != img.ID || !slices.Contains(rep.Found, describe("image", tag, img.ID)+" tagged "+tag) {
		t.Errorf("active image: %+v, %#v", res, rep)
	}
	res, rep, _ = c.EnsureResources(ctx, Want{ImageTag: tag, ImageOwner: "someone-else"})
	if res.ImageID != "" || !slices.Contains(rep.Missing, "active image tagged "+tag+" owned by someone-else") {
		t.Errorf("other owner: %+v, %#v", res, rep)
	}
}

// ovsAgentHost is the host of a live Open vSwitch agent.
func (b *bed) ovsAgentHost(t *testing.T) string {
	t.Helper()
	pages, err := agents.List(b.network, agents.ListOpts{AgentType: "Open vSwitch agent", Alive: ptr(true)}).AllPages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all, err := agents.ExtractAgents(pages)
	if err != nil || len(all) == 0 {
		t.Skipf("no live Open vSwitch agent on the bed (%v)", err)
	}
	return all[0].Host
}

// slaac is the EUI-64 address of a MAC in a /64.
func slaac(t *testing.T, cidr, mac string) string {
	t.Helper()
	hw, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	p := netip.MustParsePrefix(cidr).Addr().As16()
	copy(p[8:], []byte{hw[0] ^ 2, hw[1], hw[2], 0xff, 0xfe, hw[3], hw[4], hw[5]})
	return netip.AddrFrom16(p).String()
}

// bindFailures counts Neutron's "Failed to bind port" log lines for a
// port: each binding attempt on a host without an agent adds some. -1 if
// no Neutron log is readable.
func bindFailures(portID string) int {
	n := -1
	for _, log := range []string{"/var/log/neutron/neutron-server.log", "/var/log/neutron/neutron-api.log"} {
		if data, err := os.ReadFile(log); err == nil {
			n = max(n, 0) + strings.Count(string(data), "Failed to bind port "+portID)
		}
	}
	return n
}

func TestFunctionalHealthManagerPort(t *testing.T) {
	b := newBed(t)
	host := b.ovsAgentHost(t)
	tn := b.tenant(t)
	ctx := context.Background()
	c := b.connect(t, tn)
	res, rep, err := c.EnsureResources(ctx, Want{Create: true})
	b.checkComputeParts(t, rep, err)
	w := PortWant{Unit: "octavia/0", Host: host, NetworkID: res.NetworkID, SecGroupID: res.HealthSecGroupID}

	p, changes, err := c.EnsureHealthManagerPort(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("created: %+v %q", p, changes)
	wantAddr := slaac(t, res.SubnetCIDR, p.MAC)
	if len(changes) != 1 || p.VIFType != "ovs" || p.HostID != host || !p.AdminUp || p.Name != "octavia-health-manager-octavia-0-listen-port" || !slices.Equal(p.Addresses, []string{wantAddr}) {
		t.Errorf("port %+v, changes %q; want SLAAC address %s", p, changes, wantAddr)
	}
	var raw port
	if err := ports.Get(ctx, b.network, p.ID).ExtractInto(&raw); err != nil {
		t.Fatal(err)
	}
	if raw.DeviceOwner != HealthManagerDeviceOwner || !slices.Equal(raw.SecurityGroups, []string{res.HealthSecGroupID}) || !slices.Contains(raw.Tags, UnitTag("octavia/0")) || !slices.Contains(raw.Tags, TagManagement) {
		t.Errorf("neutron port %+v", raw)
	}

	var took []time.Duration
	for range 5 {
		start := time.Now()
		again, changes, err := c.EnsureHealthManagerPort(ctx, w)
		took = append(took, time.Since(start))
		if err != nil || len(changes) != 0 || again.ID != p.ID {
			t.Fatalf("converged: %+v, %q, %v", again, changes, err)
		}
	}
	slices.Sort(took)
	t.Logf("timing: EnsureHealthManagerPort converged min %v median %v max %v", took[0], took[2], took[4])

	update := func(opts ports.UpdateOptsBuilder) {
		t.Helper()
		if err := ports.Update(ctx, b.network, p.ID, opts).Err; err != nil {
			t.Fatal(err)
		}
	}
	ensure := func(wantChanges ...string) Port {
		t.Helper()
		got, changes, err := c.EnsureHealthManagerPort(ctx, w)
		if err != nil || !slices.Equal(changes, wantChanges) {
			t.Fatalf("EnsureHealthManagerPort: %q, %v; want %q", changes, err, wantChanges)
		}
		return got
	}

	update(ports.UpdateOpts{AdminStateUp: ptr(false)})
	if got := ensure("admin state down -> up"); !got.AdminUp || got.VIFType != "ovs" {
		t.Errorf("after admin up: %+v", got)
	}

	ghost := "ghost-" + randomHex(t, 3)
	update(portsbinding.UpdateOptsExt{UpdateOptsBuilder: ports.UpdateOpts{}, HostID: &ghost})
	var moved port
	_ = ports.Get(ctx, b.network, p.ID).ExtractInto(&moved)
	t.Logf("bound to a host without an agent: vif_type %q", moved.VIFType)
	if got := ensure(fmt.Sprintf("binding host %q -> %q", ghost, host)); got.HostID != host || got.VIFType != "ovs" {
		t.Errorf("after re-binding to the agent's host: %+v", got)
	}

	update(ports.UpdateOpts{SecurityGroups: &[]string{}})
	if got := ensure("security group " + res.HealthSecGroupID + " added"); got.VIFType != "ovs" {
		t.Errorf("after adding the group: %+v", got)
	}
	_ = ports.Get(ctx, b.network, p.ID).ExtractInto(&raw)
	if !slices.Equal(raw.SecurityGroups, []string{res.HealthSecGroupID}) {
		t.Errorf("security groups %v", raw.SecurityGroups)
	}

	// binding_failed on the wanted host: re-bound (it stays failed here,
	// since no agent lives on that host, but Neutron tries again).
	wGhost := w
	wGhost.Host = ghost
	update(portsbinding.UpdateOptsExt{UpdateOptsBuilder: ports.UpdateOpts{}, HostID: &ghost})
	failuresBefore := bindFailures(p.ID)
	got, changes, err := c.EnsureHealthManagerPort(ctx, wGhost)
	failuresAfter := bindFailures(p.ID)
	t.Logf("re-bind on a host without an agent: %q, vif_type %q; Neutron log 'Failed to bind port' lines for the port %d -> %d", changes, got.VIFType, failuresBefore, failuresAfter)
	if err != nil || !slices.Equal(changes, []string{fmt.Sprintf("re-bound on host %q after binding_failed", ghost)}) {
		t.Errorf("re-bind: %q, %v", changes, err)
	}
	if failuresBefore >= 0 && failuresAfter <= failuresBefore {
		t.Errorf("Neutron did not try to bind the port again")
	}
	ensure(fmt.Sprintf("binding host %q -> %q", ghost, host))

	addrs, err := c.HealthManagerAddresses(ctx, res.NetworkID)
	if err != nil || len(addrs) != 1 || !slices.Equal(addrs["octavia/0"], []string{wantAddr}) {
		t.Errorf("HealthManagerAddresses = %v, %v", addrs, err)
	}

	deleted, err := c.DeleteHealthManagerPort(ctx, "octavia/0")
	if !deleted || err != nil {
		t.Errorf("DeleteHealthManagerPort = %v, %v", deleted, err)
	}
	if deleted, err := c.DeleteHealthManagerPort(ctx, "octavia/0"); deleted || err != nil {
		t.Errorf("second DeleteHealthManagerPort = %v, %v", deleted, err)
	}
	if addrs, err := c.HealthManagerAddresses(ctx, res.NetworkID); err != nil || len(addrs) != 0 {
		t.Errorf("HealthManagerAddresses after delete = %v, %v", addrs, err)
	}
}

func TestFunctionalUpstreamPortsAndDuplicates(t *testing.T) {
	b := newBed(t)
	host := b.ovsAgentHost(t)
	tn := b.tenant(t)
	ctx := context.Background()
	c := b.connect(t, tn)
	res, rep, err := c.EnsureResources(ctx, Want{Create: true})
	b.checkComputeParts(t, rep, err)

	// A port as the upstream charm made it: admin down, trunk:subport.
	upstream := func(unit string) string {
		var p port
		err := ports.Create(ctx, b.network, portsbinding.CreateOptsExt{
			CreateOptsBuilder: ports.CreateOpts{NetworkID: res.NetworkID, Name: HealthManagerPortName(unit), AdminStateUp: ptr(false),
				DeviceOwner: "trunk:subport", SecurityGroups: &[]string{res.HealthSecGroupID}, ProjectID: tn.projectID},
			HostID: host,
		}).ExtractInto(&p)
		if err != nil {
			t.Fatal(err)
		}
		createTagged(t, b, "ports", p.ID, UnitTag(unit), TagManagement)
		return p.ID
	}
	id := upstream("octavia/1")
	got, changes, err := c.EnsureHealthManagerPort(ctx, PortWant{Unit: "octavia/1", Host: host, NetworkID: res.NetworkID, SecGroupID: res.HealthSecGroupID})
	if err != nil || got.ID != id || !slices.Equal(changes, []string{"admin state down -> up"}) {
		t.Errorf("upstream port: %+v, %q, %v", got, changes, err)
	}
	var raw port
	_ = ports.Get(ctx, b.network, id).ExtractInto(&raw)
	if raw.DeviceOwner != "trunk:subport" {
		t.Errorf("device_owner rewritten to %q", raw.DeviceOwner)
	}

	upstream("octavia/2")
	upstream("octavia/2")
	_, _, err = c.EnsureHealthManagerPort(ctx, PortWant{Unit: "octavia/2", Host: host, NetworkID: res.NetworkID, SecGroupID: res.HealthSecGroupID})
	var dup *DuplicateError
	if !errors.As(err, &dup) || dup.What != "port" || dup.Tag != UnitTag("octavia/2") {
		t.Errorf("two ports for one unit: %v", err)
	}
	t.Logf("error: %v", err)
	addrs, err := c.HealthManagerAddresses(ctx, res.NetworkID)
	if err != nil || len(addrs) != 2 || len(addrs["octavia/1"]) != 1 || len(addrs["octavia/2"]) != 2 {
		t.Errorf("HealthManagerAddresses = %v, %v", addrs, err)
	}
}

func TestFunctionalUnreachable(t *testing.T) {
	b := newBed(t)
	tn := b.tenant(t)
	ctx := context.Background()

	creds := tn.creds
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	creds.AuthURL = "http://" + l.Addr().String() + "/v3"
	l.Close()
	_, err = Connect(ctx, creds)
	var opErr *net.OpError
	if !errors.As(err, &opErr) || strings.Contains(err.Error(), tn.creds.Password) {
		t.Errorf("closed Keystone port: %v", err)
	}
	t.Logf("closed Keystone port: %v", err)

	creds = tn.creds
	creds.Region = "NoSuchRegion"
	c, err := Connect(ctx, creds)
	if err != nil {
		t.Fatal(err)
	}
	_, rep, err := c.EnsureResources(ctx, Want{Create: true})
	var ee *EndpointError
	if !errors.As(err, &ee) || ee.Service != "network" || len(rep.Failed) != 1 {
		t.Errorf("region without endpoints: %v, %#v", err, rep)
	}
	t.Logf("region without endpoints: %v", err)
	if _, _, err := c.EnsureHealthManagerPort(ctx, PortWant{Unit: "octavia/0", Host: "h", NetworkID: "n", SecGroupID: "s"}); !errors.As(err, &ee) {
		t.Errorf("EnsureHealthManagerPort: %v", err)
	}

	creds = tn.creds
	creds.Password = "wrong"
	_, err = Connect(ctx, creds)
	if err == nil || !gophercloud.ResponseCodeIs(err, 401) || strings.Contains(err.Error(), tn.creds.Password) {
		t.Errorf("wrong password: %v", err)
	}
	t.Logf("wrong password: %v", err)
}
