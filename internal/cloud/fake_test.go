package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// The tests in this file cover what the real services on the test bed
// cannot show on demand: a failing or unreachable endpoint, and Octavia's
// amphora API (no amphorae boot on the bed). The functional tests run the
// rest against real Keystone and Neutron.

const fakePassword = "s3cret-Pa55word"

// fakeCloud serves a Keystone token with a catalog whose endpoints are
// paths on the same server; tests add handlers for the service calls.
type fakeCloud struct {
	*httptest.Server
	mux      *http.ServeMux
	endpoint map[string]string // service type -> URL in the catalog
}

func newFakeCloud(t *testing.T) *fakeCloud {
	t.Helper()
	f := &fakeCloud{mux: http.NewServeMux()}
	f.Server = httptest.NewServer(f.mux)
	t.Cleanup(f.Close)
	f.endpoint = map[string]string{
		"network":       f.URL + "/network",
		"compute":       f.URL + "/compute/v2.1",
		"image":         f.URL + "/image",
		"load-balancer": f.URL + "/lb",
	}
	f.mux.HandleFunc("POST /v3/auth/tokens", f.token)
	versions := func(doc string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, doc)
		}
	}
	f.mux.HandleFunc("GET /network/{$}", versions(`{"versions": [{"id": "v2.0", "status": "CURRENT"}]}`))
	f.mux.HandleFunc("GET /lb/{$}", versions(`{"versions": [{"id": "v2.0", "status": "SUPPORTED"}, {"id": "v2", "status": "CURRENT"}]}`))
	return f
}

func (f *fakeCloud) token(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !strings.Contains(string(body), `"password":"`+fakePassword+`"`) {
		http.Error(w, `{"error": {"code": 401, "message": "The request you have made requires authentication."}}`, http.StatusUnauthorized)
		return
	}
	var catalog []map[string]any
	for kind, url := range f.endpoint {
		catalog = append(catalog, map[string]any{
			"type": kind, "name": kind,
			"endpoints": []map[string]string{{"interface": "public", "region": "RegionOne", "region_id": "RegionOne", "url": url}},
		})
	}
	w.Header().Set("X-Subject-Token", "fake-token")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"token": map[string]any{
		"expires_at": "2999-01-01T00:00:00.000000Z",
		"project":    map[string]any{"id": "service-project-id", "name": "services", "domain": map[string]string{"id": "default", "name": "Default"}},
		"user":       map[string]any{"id": "octavia-user-id", "name": "octavia"},
		"catalog":    catalog,
	}})
}

func (f *fakeCloud) credentials() Credentials {
	return Credentials{AuthURL: f.URL + "/v3", Username: "octavia", Password: fakePassword, UserDomain: "service_domain",
		Project: "services", ProjectDomain: "service_domain", Region: "RegionOne", Interface: "public"}
}

func (f *fakeCloud) connect(t *testing.T) *Cloud {
	t.Helper()
	c, err := Connect(context.Background(), f.credentials())
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return c
}

func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestConnectScopesToTheTokensProject(t *testing.T) {
	c := newFakeCloud(t).connect(t)
	if c.ProjectID() != "service-project-id" {
		t.Errorf("ProjectID = %q", c.ProjectID())
	}
}

func TestConnectErrorsKeepThePasswordOut(t *testing.T) {
	f := newFakeCloud(t)
	creds := f.credentials()
	creds.Password = "wrong-" + fakePassword
	_, err := Connect(context.Background(), creds)
	if err == nil || !strings.Contains(err.Error(), `authenticate user "octavia"`) || strings.Contains(err.Error(), fakePassword) {
		t.Errorf("bad password: %v", err)
	}

	creds = f.credentials()
	creds.AuthURL = closedURL(t) + "/v3"
	_, err = Connect(context.Background(), creds)
	var opErr *net.OpError
	if !errors.As(err, &opErr) || strings.Contains(err.Error(), fakePassword) {
		t.Errorf("closed Keystone port: %v", err)
	}

	creds = f.credentials()
	creds.CACert = []byte("not PEM")
	if _, err := Connect(context.Background(), creds); err == nil || !strings.Contains(err.Error(), "CA certificate") {
		t.Errorf("bad CA: %v", err)
	}
}

func TestUnreachableNeutronIsAWrappedError(t *testing.T) {
	f := newFakeCloud(t)
	f.endpoint["network"] = closedURL(t)
	c := f.connect(t)
	_, rep, err := c.EnsureResources(context.Background(), Want{Create: true})
	var opErr *net.OpError
	if !errors.As(err, &opErr) || !strings.Contains(err.Error(), "network API") {
		t.Errorf("EnsureResources = %v", err)
	}
	if len(rep.Failed) != 1 || len(rep.Created) != 0 {
		t.Errorf("report = %#v", rep)
	}
	if _, _, err := c.EnsureHealthManagerPort(context.Background(), PortWant{Unit: "octavia/0", Host: "h", NetworkID: "n", SecGroupID: "s"}); !errors.As(err, &opErr) {
		t.Errorf("EnsureHealthManagerPort = %v", err)
	}
}

func TestNeutronServerErrorStopsBeforeCreating(t *testing.T) {
	f := newFakeCloud(t)
	var mu sync.Mutex
	var calls []string
	f.mux.HandleFunc("/network/v2.0/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, r.Method+" "+r.URL.Path)
		mu.Unlock()
		http.Error(w, `{"NeutronError": {"type": "HTTPInternalServerError", "message": "Request Failed: internal server error while processing your request."}}`, http.StatusInternalServerError)
	})
	c := f.connect(t)
	_, rep, err := c.EnsureResources(context.Background(), Want{Create: true})
	if err == nil || !strings.Contains(err.Error(), "list networks tagged charm-octavia") || !strings.Contains(err.Error(), "500") {
		t.Errorf("EnsureResources = %v", err)
	}
	if len(rep.Failed) != 1 || len(rep.Created)+len(rep.Found)+len(rep.Missing) != 0 {
		t.Errorf("report = %#v", rep)
	}
	for _, call := range calls {
		if !strings.HasPrefix(call, "GET ") {
			t.Errorf("called %s after a failed search", call)
		}
	}
}

func TestMissingCatalogEntryIsAnEndpointError(t *testing.T) {
	f := newFakeCloud(t)
	creds := f.credentials()
	creds.Region = "NoSuchRegion"
	c, err := Connect(context.Background(), creds)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RefreshAmphoraConfig(context.Background())
	var ee *EndpointError
	if !errors.As(err, &ee) || ee.Service != "load-balancer" || !strings.Contains(err.Error(), "NoSuchRegion") {
		t.Errorf("RefreshAmphoraConfig = %v", err)
	}
}

func TestBadSSHKeyNamesTheOptionNotTheValue(t *testing.T) {
	c := newFakeCloud(t).connect(t)
	const value = "c3NoLXJzYSBBQUFBQjNOemFDMXljMkVBQUFBREFRQUJBQUFCZ1FD!!"
	var rep Report
	err := c.ensureKeypair(context.Background(), Want{Create: true, SSHKeyName: "octavia", SSHPublicKeyB64: value}, &rep)
	if err == nil || !strings.Contains(err.Error(), "amp-ssh-pub-key") || strings.Contains(err.Error(), value[:20]) {
		t.Errorf("ensureKeypair = %v", err)
	}
}

func TestRefreshAmphoraConfig(t *testing.T) {
	f := newFakeCloud(t)
	f.mux.HandleFunc("GET /lb/v2.0/octavia/amphorae", func(w http.ResponseWriter, r *http.Request) {
		var list []map[string]string
		for i, status := range []string{"ALLOCATED", "READY", "BOOTING", "PENDING_CREATE", "PENDING_DELETE", "ERROR", "DELETED", "ALLOCATED"} {
			list = append(list, map[string]string{"id": fmt.Sprintf("amp-%d", i), "status": status})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"amphorae": list})
	})
	var mu sync.Mutex
	var pushed []string
	f.mux.HandleFunc("PUT /lb/v2.0/octavia/amphorae/{id}/config", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		pushed = append(pushed, r.PathValue("id"))
		mu.Unlock()
		if r.PathValue("id") == "amp-7" {
			http.Error(w, `{"faultstring": "amphora unreachable"}`, http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	n, err := f.connect(t).RefreshAmphoraConfig(context.Background())
	if n != 2 || err == nil || !strings.Contains(err.Error(), "refresh configuration of amphora amp-7") {
		t.Errorf("RefreshAmphoraConfig = %d, %v", n, err)
	}
	if strings.Join(pushed, ",") != "amp-0,amp-1,amp-7" {
		t.Errorf("pushed to %v", pushed)
	}
}
