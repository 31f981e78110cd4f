// Package clientip answers one question in one place: what is the address of the client
// behind a request? Every per-address rate limit asks it.
//
// The peer address of the connection is the client's, unless the peer is one of the trusted
// proxies (FECHATTER_TRUSTED_PROXIES). Then X-Forwarded-For is read from the right: each
// trusted proxy appends the address it received the request from, so the right-most address
// that is not a trusted proxy is the first one a trusted proxy vouches for. Anything to its
// left was written by the client and is ignored: a client cannot choose its address by
// sending its own X-Forwarded-For.
//
// This package imports no other fechatter package.
package clientip

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver finds client addresses. The nil *Resolver trusts no proxy.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver trusting the given proxies, each an IP ("10.0.0.5") or a CIDR
// ("10.0.0.0/24").
func New(trustedProxies []string) (*Resolver, error) {
	r := &Resolver{}
	for _, s := range trustedProxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q is neither an IP nor a CIDR", s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// Trusted reports whether a is a trusted proxy.
func (r *Resolver) Trusted(a netip.Addr) bool {
	if r == nil {
		return false
	}
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Addr returns the client address of a request that came from peer carrying the given
// X-Forwarded-For header values (in the order received; each may list several addresses).
// Walking from the right, it skips trusted proxies and returns the first other address.
// When every listed address is a trusted proxy it returns the left-most one (a trusted proxy
// saw it as its peer); when the walk meets something that is not an address, the last
// trusted hop before it.
func (r *Resolver) Addr(peer netip.Addr, forwardedFor ...string) netip.Addr {
	client := peer.Unmap()
	if !r.Trusted(client) {
		return client
	}
	for i := len(forwardedFor) - 1; i >= 0; i-- {
		list := forwardedFor[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, hop = list[:j], list[j+1:]
			} else {
				list, hop = "", list
			}
			hop = strings.TrimSpace(hop)
			if hop == "" {
				continue
			}
			a, ok := parseHop(hop)
			if !ok {
				return client
			}
			client = a
			if !r.Trusted(a) {
				return a
			}
		}
	}
	return client
}

// parseHop reads one X-Forwarded-For entry: an IP, possibly with a port or in brackets.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		return parseHop(s[1 : len(s)-1])
	}
	return netip.Addr{}, false
}

// Key names the client in rate-limit keys: the IPv4 address, or the /64 network of an IPv6
// address (one subscriber usually holds a whole /64, so counting single IPv6 addresses would
// let one client spread over 2^64 of them).
func Key(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

// FromRequest is Addr for a net/http request (the WebSocket and SSE edge).
func (r *Resolver) FromRequest(req *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(req.RemoteAddr)
		return r.Addr(a, req.Header.Values("X-Forwarded-For")...)
	}
	return r.Addr(ap.Addr(), req.Header.Values("X-Forwarded-For")...)
}
