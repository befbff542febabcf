package horodatage_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/internal/horodatage"
	"github.com/segur-numerique/segur/internal/segurtest"
)

func TestHorodater(t *testing.T) {
	digest := sha256.Sum256([]byte("chaîne d'audit"))
	for _, tt := range []struct {
		name string
		o    segurtest.OptionsTSA
	}{
		{"ECDSA", segurtest.OptionsTSA{}},
		{"RSA", segurtest.OptionsTSA{RSA: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tsa := segurtest.NouvelleTSA(t, tt.o)
			avant := time.Now().Add(-2 * time.Second)
			c := &horodatage.Client{URL: tsa.URL, Racines: tsa.Racines()}
			j, err := c.Horodater(t.Context(), digest[:])
			if err != nil {
				t.Fatalf("Horodater: %v", err)
			}
			if j.GenTime.Before(avant) || j.GenTime.After(time.Now().Add(2*time.Second)) {
				t.Errorf("GenTime: got %v, want about now", j.GenTime)
			}
			if !j.Signataire.Equal(tsa.Cert) {
				t.Errorf("Signataire: got %s, want %s", j.Signataire.Subject, tsa.Cert.Subject)
			}
			// Offline, later: the same token, the same digest.
			again, err := horodatage.Verifier(j.DER, digest[:], tsa.Racines())
			if err != nil {
				t.Fatalf("Verifier: %v", err)
			}
			if !again.GenTime.Equal(j.GenTime) || again.Serie.Cmp(j.Serie) != 0 {
				t.Errorf("Verifier: got %v #%v, want %v #%v", again.GenTime, again.Serie, j.GenTime, j.Serie)
			}
			if _, err := horodatage.Verifier(j.DER, digest[:], nil); err != nil {
				t.Errorf("Verifier without roots: %v", err)
			}
		})
	}
}

func TestVerifierRefuses(t *testing.T) {
	t.Parallel()
	digest := sha256.Sum256([]byte("chaîne d'audit"))
	tsa := segurtest.NouvelleTSA(t, segurtest.OptionsTSA{})
	j, err := (&horodatage.Client{URL: tsa.URL}).Horodater(t.Context(), digest[:])
	if err != nil {
		t.Fatalf("Horodater: %v", err)
	}
	autre := segurtest.NouvelleTSA(t, segurtest.OptionsTSA{})
	autreDigest := sha256.Sum256([]byte("autre chose"))

	// A byte of the token changed, one at a time, in its parts: the
	// TSTInfo (the genTime, the imprint), the signed attributes, the
	// signature.
	altere := func(at []byte, delta int) []byte {
		i := bytes.Index(j.DER, at)
		if i < 0 {
			t.Fatalf("%x not in the token", at)
		}
		b := bytes.Clone(j.DER)
		b[i+delta] ^= 0x01
		return b
	}
	gen := []byte(j.GenTime.Format("20060102150405"))
	for _, tt := range []struct {
		name    string
		der     []byte
		digest  []byte
		racines func() any
		want    string
	}{
		{"another digest", j.DER, autreDigest[:], nil, "il horodate l'empreinte"},
		{"genTime changed", altere(gen, len(gen)-1), digest[:], nil, "message-digest"},
		{"imprint changed", altere(digest[:], 3), digest[:], nil, "il horodate l'empreinte"},
		{"signature changed", altere(j.DER[len(j.DER)-8:], 0), digest[:], nil, "signature invalide"},
		{"truncated", j.DER[:len(j.DER)-1], digest[:], nil, "illisible"},
		{"another authority's roots", j.DER, digest[:], func() any { return autre.Racines() }, "ne remonte à aucune des racines"},
		{"not a token", []byte("bonjour"), digest[:], nil, "illisible"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.racines != nil {
				_, err = horodatage.Verifier(tt.der, tt.digest, autre.Racines())
			} else {
				_, err = horodatage.Verifier(tt.der, tt.digest, nil)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestHorodaterRefuses(t *testing.T) {
	t.Parallel()
	digest := sha256.Sum256([]byte("chaîne d'audit"))
	panne := segurtest.NouvelleTSA(t, segurtest.OptionsTSA{})
	panne.Panne(true)
	trop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, horodatage.MaxReponse+1))
	}))
	defer trop.Close()
	fin := make(chan struct{})
	lent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-fin:
		}
	}))
	defer lent.Close()
	defer close(fin)
	for _, tt := range []struct {
		name string
		c    *horodatage.Client
		want string
	}{
		{"authority down", &horodatage.Client{URL: panne.URL}, "503"},
		{"answer too long", &horodatage.Client{URL: trop.URL}, "trop longue"},
		{"answer too slow", &horodatage.Client{URL: lent.URL, HTTP: &http.Client{Timeout: 200 * time.Millisecond}}, "injoignable"},
		{"nobody there", &horodatage.Client{URL: "http://127.0.0.1:1/tsa"}, "injoignable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.Horodater(t.Context(), digest[:])
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestRequete(t *testing.T) {
	if _, err := horodatage.Requete(make([]byte, 20), nil); err == nil {
		t.Error("Requete of 20 bytes: got no error, want one")
	}
}

// digestTestdata is the SHA-256 of "segur", which testdata's token attests.
func digestTestdata() []byte {
	d := sha256.Sum256([]byte("segur"))
	return d[:]
}

func lire(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifierTestdata verifies a token of OpenSSL kept in testdata,
// without openssl: its answer, its token, its CA.
func TestVerifierTestdata(t *testing.T) {
	racines := x509.NewCertPool()
	if !racines.AppendCertsFromPEM(lire(t, "autorite.pem")) {
		t.Fatal("autorite.pem: no certificate")
	}
	der, err := horodatage.LireReponse(lire(t, "reponse.tsr"))
	if err != nil {
		t.Fatalf("LireReponse: %v", err)
	}
	for name, der := range map[string][]byte{"reponse.tsr": der, "jeton.der": lire(t, "jeton.der")} {
		j, err := horodatage.Verifier(der, digestTestdata(), racines)
		if err != nil {
			t.Errorf("%s: Verifier: %v", name, err)
			continue
		}
		if j.GenTime.Year() < 2026 || j.Signataire.Subject.CommonName != "Horodatage de test segur" {
			t.Errorf("%s: got %v by %s, want a 2026 token by « Horodatage de test segur »", name, j.GenTime, j.Signataire.Subject)
		}
	}
	if _, err := horodatage.LireReponse(lire(t, "jeton.der")); err == nil {
		t.Error("LireReponse of a token: got no error, want one")
	}
}

// FuzzVerifier: no input, from an authority or a database, makes
// LireReponse or Verifier panic.
func FuzzVerifier(f *testing.F) {
	jeton := lire(f, "jeton.der")
	f.Add(jeton)
	f.Add(lire(f, "reponse.tsr"))
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if der, err := horodatage.LireReponse(b); err == nil && len(der) == 0 {
			t.Error("LireReponse: no error and no token")
		}
		j, err := horodatage.Verifier(b, digestTestdata(), nil)
		if err == nil && !bytes.Equal(j.DER, b) {
			t.Error("Verifier: token verified, DER changed")
		}
	})
}
