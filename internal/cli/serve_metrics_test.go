package cli

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

// TestServeMetricsAddr: --metrics-addr without a port is a usage error,
// an address in use is exit status 6; both said in French.
func TestServeMetricsAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	occupee := ln.Addr().String()
	for _, tc := range []struct {
		name, addr string
		code       int
		want       string
	}{
		{"sans port", "localhost", exitUsage, "segur serve : --metrics-addr « localhost » : attendu hôte:port"},
		{"occupée", occupee, exitService, "segur serve : impossible d'écouter sur " + occupee + " (--metrics-addr) : l'adresse est déjà utilisée"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--dsfr", t.TempDir(),
				"--metrics-addr", tc.addr}, nil, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("got exit %d, stderr\n%s\nwant %d and %q", code, stderr.String(), tc.code, tc.want)
			}
			if strings.Contains(stderr.String(), "Portail segur sur") {
				t.Errorf("got the portal started, want it stopped before:\n%s", stderr.String())
			}
		})
	}
}
