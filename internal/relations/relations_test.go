package relations

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestEndpointUnitsAndFirst(t *testing.T) {
	e := Endpoint{
		{ID: "amqp:3", Units: map[string]Bag{"rabbitmq-server/10": {"k": "ten"}, "rabbitmq-server/9": {"k": ""}, "rabbitmq-server/2": nil}},
		{ID: "amqp:4", Units: map[string]Bag{"other/0": {"k": "other", "only": "here"}}},
	}
	var names []string
	for _, u := range e.Units() {
		names = append(names, u.RelationID+" "+u.Name)
	}
	want := []string{"amqp:3 rabbitmq-server/2", "amqp:3 rabbitmq-server/9", "amqp:3 rabbitmq-server/10", "amqp:4 other/0"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Units = %v, want %v", names, want)
	}
	for _, tt := range []struct {
		key, want string
		ok        bool
	}{{"k", "ten", true}, {"only", "here", true}, {"none", "", false}} {
		if v, ok := e.First(tt.key); v != tt.want || ok != tt.ok {
			t.Errorf("First(%q) = %q, %v; want %q, %v", tt.key, v, ok, tt.want, tt.ok)
		}
	}
	if v, ok := (Endpoint{}).First("k"); v != "" || ok {
		t.Errorf("empty endpoint First = %q, %v", v, ok)
	}
}

func TestIsTrue(t *testing.T) {
	for v, want := range map[string]bool{
		"True": true, "true": true, "yes": true, "YES": true, " True\n": true,
		"False": false, "false": false, "no": false, "": false, "1": false, "truely": false,
	} {
		if got := IsTrue(v); got != want {
			t.Errorf("IsTrue(%q) = %v", v, got)
		}
	}
}

func TestValidHost(t *testing.T) {
	for h, want := range map[string]bool{
		"10.0.0.5": true, "127.0.0.1": true, "fd00::5": true, "[fd00::5]": true, "::1": true,
		"keystone": true, "juju-3f2a1b-0.maas": true, "db.example.com.": true, "under_score.local": true,
		"": false, "10.0.0": false, "300.1.1.1": false, "[10.0.0.5]": false, "fe80::1%eth0": false,
		"a b": false, "host/x": false, "u@host": false, "h:1": false, "-lead.example": false,
		"trail-.example": false, "a..b": false, ".": false, "h,i": false, "h$x": false,
		strings.Repeat("a", 64) + ".com": false, strings.Repeat("a.", 127) + "com": false,
	} {
		if got := ValidHost(h); got != want {
			t.Errorf("ValidHost(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestHostPort(t *testing.T) {
	for _, tt := range []struct{ host, bracketed, joined string }{
		{"10.0.0.5", "10.0.0.5", "10.0.0.5:5000"},
		{"fd00::5", "[fd00::5]", "[fd00::5]:5000"},
		{"[fd00::5]", "[fd00::5]", "[fd00::5]:5000"},
		{"keystone.example.com", "keystone.example.com", "keystone.example.com:5000"},
	} {
		if got := BracketHost(tt.host); got != tt.bracketed {
			t.Errorf("BracketHost(%q) = %q, want %q", tt.host, got, tt.bracketed)
		}
		if got := JoinHostPort(tt.host, "5000"); got != tt.joined {
			t.Errorf("JoinHostPort(%q) = %q, want %q", tt.host, got, tt.joined)
		}
		if got := UnbracketHost(BracketHost(tt.host)); got != strings.Trim(tt.host, "[]") {
			t.Errorf("UnbracketHost(BracketHost(%q)) = %q", tt.host, got)
		}
	}
}

func TestParsePort(t *testing.T) {
	for s, want := range map[string]int{"5672": 5672, "1": 1, "65535": 65535, "03306": 3306} {
		if got, ok := ParsePort(s); !ok || got != want {
			t.Errorf("ParsePort(%q) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "0", "65536", "-1", "+80", " 80", "80 ", "8o", "0x50", "999999", "5e3"} {
		if got, ok := ParsePort(s); ok {
			t.Errorf("ParsePort(%q) = %d, accepted", s, got)
		}
	}
}

func TestDecodeBase64PEM(t *testing.T) {
	const pemText = "-----BEGIN CERTIFICATE-----\ndGVzdA==\n-----END CERTIFICATE-----\n"
	enc := base64.StdEncoding.EncodeToString([]byte(pemText))
	good := map[string]string{
		"base64":              enc,
		"base64 with breaks":  enc[:20] + "\r\n" + enc[20:40] + "\n " + enc[40:] + "\n",
		"base64 no padding":   strings.TrimRight(enc, "="),
		"raw PEM":             pemText,
		"raw PEM with blanks": "\n  " + pemText,
	}
	for name, in := range good {
		got, err := DecodeBase64PEM(in)
		if err != nil || strings.TrimSpace(string(got)) != strings.TrimSpace(pemText) {
			t.Errorf("%s: DecodeBase64PEM = %q, %v", name, got, err)
		}
	}
	const secret = "c2VjcmV0!!!"
	bad := map[string]string{
		"empty":          "",
		"blank":          " \n",
		"not base64":     secret,
		"base64, no PEM": base64.StdEncoding.EncodeToString([]byte("just text")),
		"broken PEM":     "-----BEGIN CERTIFICATE-----\nno end",
	}
	for name, in := range bad {
		got, err := DecodeBase64PEM(in)
		if err == nil {
			t.Errorf("%s: DecodeBase64PEM = %q, want an error", name, got)
			continue
		}
		if strings.TrimSpace(in) != "" && strings.Contains(err.Error(), strings.TrimSpace(in)) || strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("%s: error quotes the value: %v", name, err)
		}
	}
}

func TestPercentEncode(t *testing.T) {
	for _, s := range []string{"", "plain-._~AZaz09", "@:/%$", "a b+c&d=e?f#g,[]", "üñí😀", "%25", "\n\x00"} {
		enc := PercentEncode(s)
		for _, c := range enc {
			if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%", c) {
				t.Errorf("PercentEncode(%q) = %q keeps %q", s, enc, c)
			}
		}
		if dec, err := url.PathUnescape(enc); err != nil || dec != s {
			t.Errorf("PercentEncode(%q) = %q decodes to %q, %v", s, enc, dec, err)
		}
	}
	if got := PercentEncode("plain-._~"); got != "plain-._~" {
		t.Errorf("unreserved characters escaped: %q", got)
	}
	if got := PercentEncodePath("/var/lib/charm/octavia/a b+$.pem"); got != "/var/lib/charm/octavia/a%20b%2B%24.pem" {
		t.Errorf("PercentEncodePath = %q", got)
	}
}

func TestPythonJSONString(t *testing.T) {
	// Expected values are Python 3 json.dumps output.
	for in, want := range map[string]string{
		"octavia":                 `"octavia"`,
		"https://10.0.0.100:9876": `"https://10.0.0.100:9876"`,
		"a<b>&c":                  `"a<b>&c"`,
		`quote"back\slash`:        `"quote\"back\\slash"`,
		"tab\tnl\ncr\r":           `"tab\tnl\ncr\r"`,
		"\x00\x1f\x7f":            `"\u0000\u001f\u007f"`,
		"üñí€":                    `"\u00fc\u00f1\u00ed\u20ac"`,
		"😀":                       `"\ud83d\ude00"`,
		"\u2028":                  `"\u2028"`,
		"\b\f":                    `"\b\f"`,
		"":                        `""`,
	} {
		got := PythonJSONString(in)
		if got != want {
			t.Errorf("PythonJSONString(%q) = %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != in {
			t.Errorf("PythonJSONString(%q) decodes to %q, %v", in, back, err)
		}
	}
}
