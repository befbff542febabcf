package cli

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/segur-numerique/segur"
)

// TestServeAdresseOccupee: an address already in use is exit status 6 and
// a message that names the address and the cause, in French.
func TestServeAdresseOccupee(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"serve", "--addr", addr, "--data", t.TempDir(), "--dsfr", t.TempDir()}, nil, &stdout, &stderr)
	want := "segur serve : impossible d'écouter sur " + addr + " : l'adresse est déjà utilisée"
	if code != exitService || !strings.Contains(stderr.String(), want) {
		t.Errorf("got exit %d, stderr\n%s\nwant %d and %q", code, stderr.String(), exitService, want)
	}
}

// TestServeOptions: refused options are usage errors, and the threshold's
// default, in the help, is the programme's.
func TestServeOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"aide", []string{"--help"}, exitOK,
			"--seuil-convention VALEUR\n      montant financé (€) au-delà duquel une convention remplace la décision (par défaut : " + segur.Euros(segur.ProgrammeParDefaut.SeuilConvention) + ")"},
		{"aide, codes de sortie", []string{"--help"}, exitOK, "6 impossible d'écouter sur --addr,\n--http-redirect ou --metrics-addr"},
		{"seuil illisible", []string{"--seuil-convention", "beaucoup"}, exitUsage, "--seuil-convention « beaucoup » : attendu un montant en euros"},
		{"seuil nul", []string{"--seuil-convention", "0"}, exitUsage, "--seuil-convention « 0 » : attendu un montant en euros"},
		{"seuil vide", []string{"--seuil-convention", ""}, exitUsage, "--seuil-convention «  » : attendu un montant en euros"},
		{"adresse sans port", []string{"--addr", "localhost"}, exitUsage, "--addr « localhost » : attendu hôte:port"},
		{"adresse publique sans schéma", []string{"--url", "portail.exemple.fr"}, exitUsage,
			"--url : adresse du portail « portail.exemple.fr » : attendu http://hôte:port ou https://…, par exemple http://portail.exemple.fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), append([]string{"serve", "--data", t.TempDir()}, tc.args...), nil, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("got exit %d, stderr\n%s\nwant %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}
