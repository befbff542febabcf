package segurtest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Relais forwards the TCP connections of a loopback address to a target
// until Couper closes it and every connection through it: a database or a
// store cut from a running program, then brought back (a new Relais on the
// same address).
type Relais struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

// NouveauRelais listens on addr (127.0.0.1:0 for a free port) and forwards
// to cible; tb's end closes it.
func NouveauRelais(tb testing.TB, addr, cible string) *Relais {
	tb.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	r := &Relais{ln: ln}
	tb.Cleanup(r.Couper)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", cible)
			if err != nil {
				c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, s)
			r.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return r
}

// Addr is the address the relay listens on.
func (r *Relais) Addr() string { return r.ln.Addr().String() }

// Couper closes the relay and every connection through it.
func (r *Relais) Couper() {
	r.ln.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	r.conns = nil
}
