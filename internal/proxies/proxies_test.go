package proxies

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{" 10.0.0.0/8 , fd00::/8,192.0.2.10", "10.0.0.0/8,fd00::/8,192.0.2.10/32", true},
		{"10.1.2.3/8", "10.0.0.0/8", true},
		{"::ffff:192.0.2.10", "192.0.2.10/32", true},
		{"2001:db8::1", "2001:db8::1/128", true},
		{"proxy.example", "", false},
		{"10.0.0.0/33", "", false},
		{"fe80::1%eth0", "", false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			l, err := Parse(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("got error %v, want ok %v", err, tt.ok)
			}
			if got := l.String(); err == nil && got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClient(t *testing.T) {
	l, err := Parse("10.0.0.0/8,2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		remote string
		xff    []string
		fwd    []string
		want   string
	}{
		{"no proxy: the peer", "192.0.2.1:5000", nil, nil, "192.0.2.1"},
		{"untrusted peer: headers ignored", "192.0.2.1:5000", []string{"198.51.100.7"}, []string{"for=198.51.100.8"}, "192.0.2.1"},
		{"trusted peer without header: the peer", "10.0.0.1:5000", nil, nil, "10.0.0.1"},
		{"trusted peer: the client it saw", "10.0.0.1:5000", []string{"198.51.100.7"}, nil, "198.51.100.7"},
		{"the right-most address not a proxy", "10.0.0.1:5000", []string{"203.0.113.66, 198.51.100.7, 10.0.0.2"}, nil, "198.51.100.7"},
		{"a client's forged left part is ignored", "10.0.0.1:5000", []string{"10.9.9.9", "198.51.100.7"}, nil, "198.51.100.7"},
		{"every hop a proxy: the farthest", "10.0.0.1:5000", []string{"10.0.0.3, 10.0.0.2"}, nil, "10.0.0.3"},
		{"garbage next to the proxy: the proxy", "10.0.0.1:5000", []string{"198.51.100.7, unknown"}, nil, "10.0.0.1"},
		{"IPv6 peer and client", "[2001:db8:ffff::1]:443", []string{"2001:DB8::7"}, nil, "2001:db8::7"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.1]:443", []string{"198.51.100.7"}, nil, "198.51.100.7"},
		{"Forwarded, without X-Forwarded-For", "10.0.0.1:5000", nil, []string{`for=203.0.113.66;proto=https, for="[2001:db8::7]:4711"`}, "2001:db8::7"},
		{"Forwarded, obfuscated: the proxy", "10.0.0.1:5000", nil, []string{"for=_hidden"}, "10.0.0.1"},
		{"X-Forwarded-For first", "10.0.0.1:5000", []string{"198.51.100.7"}, []string{"for=203.0.113.66"}, "198.51.100.7"},
		{"peer without port", "192.0.2.1", nil, nil, "192.0.2.1"},
		{"peer not an address", "@", []string{"198.51.100.7"}, nil, "@"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.xff {
				h.Add("X-Forwarded-For", v)
			}
			for _, v := range tt.fwd {
				h.Add("Forwarded", v)
			}
			if got := l.ClientDe(tt.remote, h); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	// No proxy trusted: always the peer.
	var aucun Liste
	if got := aucun.ClientDe("127.0.0.1:80", http.Header{"X-Forwarded-For": {"198.51.100.7"}}); got != "127.0.0.1" {
		t.Errorf("without proxies: got %q, want the peer", got)
	}
}

// FuzzClient: headers change nothing unless the peer is a trusted proxy,
// and the answer is always an address when the peer is one.
func FuzzClient(f *testing.F) {
	f.Add("10.0.0.1:5000", "203.0.113.66, 198.51.100.7", "")
	f.Add("10.0.0.1:5000", "", `for="[2001:db8::7]:4711";by=x, for=unknown`)
	f.Add("192.0.2.1:80", "::ffff:1.2.3.4", "for=")
	l, _ := Parse("10.0.0.0/8")
	f.Fuzz(func(t *testing.T, remote, xff, fwd string) {
		h := http.Header{}
		if xff != "" {
			h.Set("X-Forwarded-For", xff)
		}
		if fwd != "" {
			h.Set("Forwarded", fwd)
		}
		got, peer := l.ClientDe(remote, h), l.ClientDe(remote, nil)
		p, err := netip.ParseAddr(peer)
		if err != nil || !l.contient(p) {
			if got != peer {
				t.Errorf("untrusted peer %q: got %q, want the peer", remote, got)
			}
			return
		}
		if _, err := netip.ParseAddr(got); err != nil {
			t.Errorf("trusted peer %q: got %q, want an address", remote, got)
		}
	})
}

func TestGroupe(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":                  "192.0.2.1",
		"::ffff:192.0.2.1":           "192.0.2.1",
		"2001:db8:1:2:aaaa::1":       "2001:db8:1:2::/64",
		"2001:DB8:1:2:bbbb:cccc:d:e": "2001:db8:1:2::/64",
		"::1":                        "::/64",
		"@":                          "@",
	} {
		if got := Groupe(in); got != want {
			t.Errorf("Groupe(%q): got %q, want %q", in, got, want)
		}
	}
}
