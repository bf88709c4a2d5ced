package hostnet

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestNetworkdUnit(t *testing.T) {
	noAddress := testWant()
	noAddress.MTU, noAddress.Address = 0, netip.Prefix{}
	noAddress.MAC = "FA:16:3E:4F:28:CE"
	ipv4 := testWant()
	ipv4.Address = netip.MustParsePrefix("192.0.2.10/24")
	for _, tc := range []struct {
		golden string
		w      Want
	}{
		{"o-hm0.network", testWant()},
		{"o-hm0-no-address.network", noAddress},
		{"o-hm0-ipv4.network", ipv4},
	} {
		got := NetworkdUnit(tc.w)
		path := filepath.Join("testdata", tc.golden)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("NetworkdUnit(%+v) =\n%s\nwant (%s):\n%s", tc.w, got, path, want)
		}
		if again := NetworkdUnit(tc.w); !bytes.Equal(again, got) {
			t.Errorf("NetworkdUnit is not byte-stable")
		}
	}
}
