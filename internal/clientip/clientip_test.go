package clientip_test

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/fechatter/fechatter/internal/clientip"
)

func TestAddr(t *testing.T) {
	r, err := clientip.New([]string{"10.0.0.0/24", "192.0.2.1", "2001:db8:ffff::/48"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy: the peer, whatever the header says", "203.0.113.9", []string{"198.51.100.1"}, "203.0.113.9"},
		{"trusted peer without header", "10.0.0.5", nil, "10.0.0.5"},
		{"behind nginx", "10.0.0.5", []string{"203.0.113.7"}, "203.0.113.7"},
		{"spoofed left-most entries are ignored", "10.0.0.5", []string{"1.2.3.4, 5.6.7.8, 203.0.113.7"}, "203.0.113.7"},
		{"two trusted hops", "10.0.0.5", []string{"6.6.6.6, 203.0.113.7, 192.0.2.1"}, "203.0.113.7"},
		{"several header lines, right-most last", "10.0.0.5", []string{"6.6.6.6", "203.0.113.7, 10.0.0.9"}, "203.0.113.7"},
		{"every hop trusted: the left-most", "10.0.0.5", []string{"10.0.0.8, 192.0.2.1"}, "10.0.0.8"},
		{"garbage before a trusted hop: that hop", "10.0.0.5", []string{"nonsense, 10.0.0.8"}, "10.0.0.8"},
		{"garbage right away: the peer", "10.0.0.5", []string{"203.0.113.7, nonsense"}, "10.0.0.5"},
		{"ports and brackets", "10.0.0.5", []string{"[2001:db8::1]:443, 203.0.113.7:5555"}, "203.0.113.7"},
		{"bracketed IPv6", "10.0.0.5", []string{"[2001:db8::1]"}, "2001:db8::1"},
		{"IPv4-mapped peer", "::ffff:10.0.0.5", []string{"203.0.113.7"}, "203.0.113.7"},
		{"empty entries", "10.0.0.5", []string{" , 203.0.113.7 ,"}, "203.0.113.7"},
		{"trusted IPv6 proxy", "2001:db8:ffff::1", []string{"2001:db8:1::7"}, "2001:db8:1::7"},
	}
	for _, tc := range cases {
		got := r.Addr(netip.MustParseAddr(tc.peer), tc.xff...)
		if got.String() != tc.want {
			t.Errorf("%s: Addr(%s, %q) = %s, want %s", tc.name, tc.peer, tc.xff, got, tc.want)
		}
	}
}

func TestNilResolverTrustsNobody(t *testing.T) {
	var r *clientip.Resolver
	if got := r.Addr(netip.MustParseAddr("127.0.0.1"), "203.0.113.7"); got.String() != "127.0.0.1" {
		t.Fatalf("nil resolver: %s", got)
	}
	empty, err := clientip.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := empty.Addr(netip.MustParseAddr("127.0.0.1"), "203.0.113.7"); got.String() != "127.0.0.1" {
		t.Fatalf("no trusted proxies: %s", got)
	}
}

func TestNewRejectsGarbage(t *testing.T) {
	if _, err := clientip.New([]string{"10.0.0.1", "not-an-ip"}); err == nil {
		t.Fatal("want an error for a bad proxy entry")
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
	} {
		if got := clientip.Key(netip.MustParseAddr(in)); got != want {
			t.Errorf("Key(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestFromRequest(t *testing.T) {
	r, _ := clientip.New([]string{"127.0.0.1"})
	req, _ := http.NewRequest("GET", "/ws", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Add("X-Forwarded-For", "9.9.9.9, 203.0.113.7")
	if got := r.FromRequest(req); got.String() != "203.0.113.7" {
		t.Fatalf("FromRequest = %s", got)
	}
	req.RemoteAddr = "198.51.100.2:40000"
	if got := r.FromRequest(req); got.String() != "198.51.100.2" {
		t.Fatalf("untrusted peer: FromRequest = %s", got)
	}
}
