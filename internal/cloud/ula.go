package cloud

import (
	"fmt"
	"net/netip"
	"strings"
)

// ManagementCIDR derives the lb-mgmt subnet's IPv6 prefix from the network
// UUID: the last UUID group (12 hex digits) becomes the 48 bits after
// "fd00", e.g. network "…-1234567890ab" gives "fd00:1234:5678:90ab::/64".
//
// The upstream charm builds the same prefix under fc00::/8, the half of
// RFC 4193's fc00::/7 that is reserved and undefined; locally assigned ULAs
// are fd00::/8. Subnets upstream already made under fc00: are found by tag
// and kept as they are.
func ManagementCIDR(networkID string) (string, error) {
	groups := strings.Split(networkID, "-")
	last := groups[len(groups)-1]
	if len(groups) != 5 || len(last) != 12 || strings.Trim(strings.ToLower(last), "0123456789abcdef") != "" {
		return "", fmt.Errorf("network id %q is not a UUID", networkID)
	}
	p, err := netip.ParsePrefix(fmt.Sprintf("fd00:%s:%s:%s::/64", last[0:4], last[4:8], last[8:12]))
	if err != nil {
		return "", fmt.Errorf("prefix from network id %q: %w", networkID, err)
	}
	return p.String(), nil
}
