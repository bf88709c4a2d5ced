package reconcile

import "testing"

func TestToolCause(t *testing.T) {
	oslo := "2026-11-24 20:18:20.552 10008 CRITICAL octavia-db-manage [-] Unhandled error: sqlalchemy.exc.OperationalError: (2003, \"Can't connect\")\n" +
		"2026-11-24 20:18:20.552 10008 ERROR octavia-db-manage Traceback (most recent call last):\n" +
		"2026-11-24 20:18:20.552 10008 ERROR octavia-db-manage \x1b[00m\n"
	cases := map[string]string{
		oslo: `sqlalchemy.exc.OperationalError: (2003, "Can't connect")`,
		"Traceback (most recent call last):\nValueError: bad\n\n": "ValueError: bad",
		"": "",
	}
	for in, want := range cases {
		if got := toolCause(in); got != want {
			t.Errorf("toolCause(%q) = %q, want %q", in, got, want)
		}
	}
}
