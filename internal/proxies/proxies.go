// Package proxies finds a request's client address behind trusted reverse
// proxies (segur serve --proxies): the pages and the API take the same
// address, for the login throttling and the audit trail.
//
// Only when the direct peer is a trusted proxy are its headers believed:
// X-Forwarded-For, read from the right, gives the first address that is
// not itself a trusted proxy (the left part is whatever the client sent);
// without X-Forwarded-For, the for= parameters of Forwarded (RFC 7239),
// read the same way. A proxy that writes Forwarded only must drop the
// X-Forwarded-For its clients send. From any other peer, the headers are
// ignored: the client is the peer.
package proxies

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Liste is the trusted proxies: networks (CIDR) and addresses.
type Liste []netip.Prefix

// Parse reads a comma-separated list of networks (10.0.0.0/8, fd00::/8)
// and addresses (192.0.2.10); blanks around items are ignored, "" is no
// proxy. Its error message is French.
func Parse(s string) (Liste, error) {
	var l Liste
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			l = append(l, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("« %s » : attendu un réseau (10.0.0.0/8, fd00::/8) ou une adresse IP", item)
		}
		a = a.Unmap()
		l = append(l, netip.PrefixFrom(a, a.BitLen()))
	}
	return l, nil
}

// String is the list as Parse reads it.
func (l Liste) String() string {
	s := make([]string, len(l))
	for i, p := range l {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// contient reports whether a is a trusted proxy.
func (l Liste) contient(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range l {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Client returns the client's address of r, without port: see the
// package's doc.
func (l Liste) Client(r *http.Request) string {
	return l.ClientDe(r.RemoteAddr, r.Header)
}

// ClientDe is Client for a peer address (host:port, as
// http.Request.RemoteAddr) and the request's headers.
func (l Liste) ClientDe(remoteAddr string, h http.Header) string {
	pair := remoteAddr
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		pair = host
	}
	a, err := netip.ParseAddr(pair)
	if err != nil {
		return pair
	}
	a = a.Unmap()
	if !l.contient(a) {
		return a.String()
	}
	var sauts []string // the addresses the proxies saw, the nearest last
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, v := range xff {
			sauts = append(sauts, strings.Split(v, ",")...)
		}
	} else {
		for _, v := range h.Values("Forwarded") {
			sauts = append(sauts, forwardedFor(v)...)
		}
	}
	for i := len(sauts) - 1; i >= 0; i-- {
		s, ok := adresse(sauts[i])
		if !ok {
			// Not an address (unknown, an obfuscated name): the nearest
			// trusted proxy is the best known.
			break
		}
		a = s
		if !l.contient(s) {
			break
		}
	}
	return a.String()
}

// forwardedFor returns the for= values of a Forwarded header's elements,
// in order.
func forwardedFor(v string) []string {
	var f []string
	for _, element := range strings.Split(v, ",") {
		for _, pair := range strings.Split(element, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && strings.EqualFold(k, "for") {
				f = append(f, val)
			}
		}
	}
	return f
}

// adresse reads a hop's address: 192.0.2.1, 2001:db8::1, with or
// without quotes, brackets and port.
func adresse(s string) (netip.Addr, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// Groupe is the group of client addresses that throttling counts as one:
// an IPv4 address itself, an IPv6 address's /64 network (2001:db8:1:2::/64),
// the smallest a site is given, so that one site cannot escape its limits
// by changing addresses within it. Anything else is returned as is.
func Groupe(adresse string) string {
	a, err := netip.ParseAddr(adresse)
	if err != nil {
		return adresse
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return adresse
	}
	return p.String()
}
