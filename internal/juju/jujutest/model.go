package jujutest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"charm-octavia/internal/juju"
)

// Model is what the units of one charm can see of a Juju model. It is
// JSON-serialisable; mutate it between hooks, not while a Context runs.
type Model struct {
	Name        string `json:"name"`         // JUJU_MODEL_NAME
	UUID        string `json:"uuid"`         // JUJU_MODEL_UUID
	JujuVersion string `json:"juju-version"` // JUJU_VERSION
	// CharmDir is JUJU_CHARM_DIR for every context.
	CharmDir string `json:"charm-dir,omitempty"`
	// App is the charm's application name.
	App string `json:"application"`
	// Leader is the name of the leader unit ("" for none).
	Leader string `json:"leader,omitempty"`
	// Units are the application's units, by name ("octavia/0").
	Units map[string]*Unit `json:"units"`
	// Endpoints are the charm's endpoints and extra bindings, the names
	// network-get accepts besides those with an explicit network.
	Endpoints []string `json:"endpoints,omitempty"`
	// ConfigOptions are the charm's declared options (LoadConfigDefaults).
	ConfigOptions map[string]ConfigOption `json:"config-options,omitempty"`
	// Config holds the values the operator set (juju config).
	Config map[string]any `json:"config,omitempty"`
	// LeaderData are the leader settings (leader-get, leader-set).
	LeaderData map[string]string `json:"leader-data"`
	// AppStatus is the application status (status-set --application).
	AppStatus juju.Status `json:"application-status"`
	// Relations by id ("shared-db:3").
	Relations map[string]*Relation `json:"relations"`
	// Secrets by bare id (the part after "secret:").
	Secrets map[string]*Secret `json:"secrets"`
	// Resources map a resource name to its local file path.
	Resources map[string]string `json:"resources,omitempty"`
	// Log holds the juju-log lines, oldest first (the latest 4096).
	Log []LogLine `json:"log,omitempty"`
	// Contexts are the open hook contexts, by context id, with their
	// pending (deferred) writes.
	Contexts map[string]*ContextState `json:"contexts,omitempty"`
	// History records the closed contexts, oldest first (the latest 256).
	History []HookRecord `json:"history,omitempty"`
	// Seq is the source of relation, secret and context numbers.
	Seq int `json:"seq"`

	mu sync.Mutex
}

// Unit is one unit of the charm's application.
type Unit struct {
	MachineID        string                  `json:"machine-id"`                  // JUJU_MACHINE_ID
	Status           juju.Status             `json:"workload-status"`             // status-set
	WorkloadVersion  string                  `json:"workload-version,omitempty"`  // application-version-set
	State            map[string]string       `json:"state,omitempty"`             // state-set
	Ports            []Port                  `json:"ports,omitempty"`             // opened ports
	Networks         map[string]juju.Network `json:"networks,omitempty"`          // network-get by binding; "" is the default
	PrivateAddress   string                  `json:"private-address,omitempty"`   // unit-get fallback
	PublicAddress    string                  `json:"public-address,omitempty"`    // unit-get public-address
	AvailabilityZone string                  `json:"availability-zone,omitempty"` // JUJU_AVAILABILITY_ZONE
}

// Port is an opened port range ("80/tcp", "1000-2000/udp", "icmp"), for
// every endpoint when Endpoint is empty.
type Port struct {
	Endpoint string `json:"endpoint,omitempty"` // "" for all endpoints
	Range    string `json:"range"`              // "80/tcp", "1000-2000/udp", "icmp"
}

// LogLine is one juju-log call.
type LogLine struct {
	Unit    string `json:"unit"`    // the unit that logged
	Context string `json:"context"` // its context id
	Level   string `json:"level"`   // INFO, WARNING, ...
	Message string `json:"message"` // prefixed with the relation id in relation hooks
}

// NewModel returns an empty model for application app.
func NewModel(app string) *Model {
	return &Model{
		Name:        "test",
		UUID:        uuidFrom("model/" + app),
		JujuVersion: "3.6.8",
		App:         app,
		Units:       map[string]*Unit{},
		LeaderData:  map[string]string{},
		AppStatus:   juju.Status{Code: "unknown"},
		Relations:   map[string]*Relation{},
		Secrets:     map[string]*Secret{},
		Resources:   map[string]string{},
		Contexts:    map[string]*ContextState{},
	}
}

// uuidFrom makes a UUID-shaped id from seed, so that models and their ids
// are deterministic.
func uuidFrom(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// AddUnit adds unit name ("octavia/1") with a default address
// (10.0.0.<10+N>) on the default binding, and makes it the leader when
// leader is true. The unit joins every peer relation. It panics if the name
// is not a unit of the model's application or is taken.
func (m *Model) AddUnit(name string, leader bool) *Unit {
	app, num, ok := splitUnit(name)
	if !ok || app != m.App {
		panic(fmt.Sprintf("jujutest: %q is not a unit name of application %q", name, m.App))
	}
	if _, taken := m.Units[name]; taken {
		panic(fmt.Sprintf("jujutest: unit %q exists", name))
	}
	addr := fmt.Sprintf("10.0.0.%d", 10+num%240)
	u := &Unit{
		MachineID:      strconv.Itoa(num),
		Status:         juju.Status{Code: "unknown"},
		State:          map[string]string{},
		PrivateAddress: addr,
		PublicAddress:  addr,
		Networks: map[string]juju.Network{"": {
			BindAddresses: []juju.BindAddress{{
				MACAddress:    fmt.Sprintf("00:16:3e:00:00:%02x", num%256),
				InterfaceName: "eth0",
				Addresses:     []juju.InterfaceAddr{{Value: addr, CIDR: "10.0.0.0/24"}},
			}},
			EgressSubnets:    []string{addr + "/32"},
			IngressAddresses: []string{addr},
		}},
	}
	m.Units[name] = u
	if leader {
		m.Leader = name
	}
	for _, r := range m.Relations {
		if r.Peer && !r.Broken {
			r.LocalUnits[name] = map[string]string{}
		}
	}
	return u
}

// Unit returns unit name, or nil.
func (m *Model) Unit(name string) *Unit { return m.Units[name] }

// UnitNames lists the units, sorted.
func (m *Model) UnitNames() []string {
	names := make([]string, 0, len(m.Units))
	for n := range m.Units {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// RemoveUnit removes a unit: it leaves its peer relations (its bags stay
// readable as a departed unit's) and loses leadership.
func (m *Model) RemoveUnit(name string) {
	delete(m.Units, name)
	if m.Leader == name {
		m.Leader = ""
	}
	for _, r := range m.Relations {
		if bag, ok := r.LocalUnits[name]; ok && r.Peer {
			r.DepartedUnits[name] = bag
		}
		delete(r.LocalUnits, name)
	}
}

// SetLeader makes unit the leader ("" for none). It panics for an unknown
// unit.
func (m *Model) SetLeader(unit string) {
	if unit != "" && m.Units[unit] == nil {
		panic(fmt.Sprintf("jujutest: no unit %q", unit))
	}
	m.Leader = unit
}

// SetEndpoints declares the charm's endpoints and extra bindings, which
// network-get then accepts (answering with the default binding's network
// unless SetNetwork gave one).
func (m *Model) SetEndpoints(names ...string) {
	m.Endpoints = append([]string(nil), names...)
}

// SetNetwork sets what network-get answers for binding on unit ("" is the
// default binding, which unit-get private-address also reads).
func (m *Model) SetNetwork(unit, binding string, n juju.Network) {
	u := m.mustUnit(unit)
	if u.Networks == nil {
		u.Networks = map[string]juju.Network{}
	}
	u.Networks[binding] = n
}

// SetLeaderData replaces the leader settings.
func (m *Model) SetLeaderData(data map[string]string) {
	m.LeaderData = copyMap(data)
}

// SetResource makes resource-get name answer path ("" removes it, so that
// resource-get fails as for a resource the operator never attached).
func (m *Model) SetResource(name, path string) {
	if path == "" {
		delete(m.Resources, name)
		return
	}
	m.Resources[name] = path
}

// ApplicationVersion is the workload version juju status would show: the
// leader's, else the first unit's that set one.
func (m *Model) ApplicationVersion() string {
	if u := m.Units[m.Leader]; u != nil && u.WorkloadVersion != "" {
		return u.WorkloadVersion
	}
	for _, name := range m.UnitNames() {
		if v := m.Units[name].WorkloadVersion; v != "" {
			return v
		}
	}
	return ""
}

// LogLines returns the juju-log messages of unit ("" for all units).
func (m *Model) LogLines(unit string) []string {
	var out []string
	for _, l := range m.Log {
		if unit == "" || l.Unit == unit {
			out = append(out, l.Message)
		}
	}
	return out
}

func (m *Model) mustUnit(name string) *Unit {
	u := m.Units[name]
	if u == nil {
		panic(fmt.Sprintf("jujutest: no unit %q", name))
	}
	return u
}

// nextSeq returns a fresh number for ids.
func (m *Model) nextSeq() int {
	m.Seq++
	return m.Seq
}

// splitUnit splits "app/3" into "app" and 3.
func splitUnit(name string) (string, int, bool) {
	app, num, ok := strings.Cut(name, "/")
	if !ok || !validAppName(app) {
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || strconv.Itoa(n) != num {
		return "", 0, false
	}
	return app, n, true
}

// validAppName follows Juju's application name rule, loosely: lowercase
// letters, digits and dashes, starting with a letter.
func validAppName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || strings.HasSuffix(s, "-") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// validUnitName reports whether s looks like "app/N".
func validUnitName(s string) bool {
	_, _, ok := splitUnit(s)
	return ok
}

// unitApp is the application of unit "app/N".
func unitApp(unit string) string {
	app, _, _ := strings.Cut(unit, "/")
	return app
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
