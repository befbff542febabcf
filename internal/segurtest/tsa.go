package segurtest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TSA is a real time-stamping authority (RFC 3161) for the tests:
// OpenSSL's "openssl ts -reply" behind an HTTP server, with a throwaway
// CA and a certificate for time-stamping (extended key usage
// timeStamping, critical) made for it.
type TSA struct {
	URL    string
	CA     *x509.Certificate
	CAFile string // the CA's certificate, PEM: what --tsa-ca takes
	Cert   *x509.Certificate

	dir, openssl string
	mu           sync.Mutex // openssl ts -reply keeps its serial in a file
	panne        bool
	demandes     int
}

// OptionsTSA change the authority NouvelleTSA makes.
type OptionsTSA struct {
	// RSA signs with an RSA key (2048 bits) rather than ECDSA P-256.
	RSA bool
}

// NouvelleTSA starts an authority, stopped at the end of tb. Without
// openssl, tb is skipped (or fails when CI=true).
func NouvelleTSA(tb testing.TB, o OptionsTSA) *TSA {
	tb.Helper()
	exe := os.Getenv("SEGUR_OPENSSL")
	if exe == "" {
		exe = "openssl"
	}
	openssl, err := exec.LookPath(exe)
	if err != nil {
		Indisponible(tb, fmt.Sprintf("no openssl to act as the tests' time-stamping authority (SEGUR_OPENSSL=%q: %v); install it with: sudo apt-get install openssl", os.Getenv("SEGUR_OPENSSL"), err))
	}
	t := &TSA{dir: tb.TempDir(), openssl: openssl}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	caTpl := &x509.Certificate{SerialNumber: serie(tb), Subject: pkix.Name{CommonName: "Autorité de test " + filepath.Base(t.dir)},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		tb.Fatal(err)
	}
	if t.CA, err = x509.ParseCertificate(caDER); err != nil {
		tb.Fatal(err)
	}
	var key crypto.Signer
	if o.RSA {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		tb.Fatal(err)
	}
	// id-kp-timeStamping, critical: in ExtraExtensions, since
	// x509.Certificate.ExtKeyUsage writes it non-critical.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		tb.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: serie(tb), Subject: pkix.Name{CommonName: "Horodatage de test", Organization: []string{"Ségur numérique"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(30 * 24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, t.CA, key.Public(), caKey)
	if err != nil {
		tb.Fatal(err)
	}
	if t.Cert, err = x509.ParseCertificate(der); err != nil {
		tb.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	t.CAFile = filepath.Join(t.dir, "ca.pem")
	for name, b := range map[string][]byte{
		"ca.pem":  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		"tsa.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"tsa.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"serial":  []byte("01\n"),
		"openssl.cnf": []byte(`[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = ` + t.dir + `
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.250.1.999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`),
	} {
		if err := os.WriteFile(filepath.Join(t.dir, name), b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(t.serveHTTP))
	tb.Cleanup(srv.Close)
	t.URL = srv.URL + "/tsa"
	return t
}

func serie(tb testing.TB) *big.Int {
	tb.Helper()
	s, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// Racines returns a pool holding the authority's CA.
func (t *TSA) Racines() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(t.CA)
	return p
}

// Panne makes the authority answer 503 (true) or work again (false).
func (t *TSA) Panne(p bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.panne = p
}

// Demandes returns how many requests the authority has received.
func (t *TSA) Demandes() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.demandes
}

func (t *TSA) serveHTTP(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.demandes++
	if t.panne {
		http.Error(w, "autorité en panne", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/timestamp-query" {
		http.Error(w, "POST application/timestamp-query attendu", http.StatusBadRequest)
		return
	}
	q, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	qf, rf := filepath.Join(t.dir, "requete.tsq"), filepath.Join(t.dir, "reponse.tsr")
	if err := os.WriteFile(qf, q, 0o600); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(r.Context(), t.openssl, "ts", "-reply", "-config", filepath.Join(t.dir, "openssl.cnf"), "-queryfile", qf, "-out", rf)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		http.Error(w, fmt.Sprintf("openssl ts -reply: %v: %s", err, stderr.String()), http.StatusInternalServerError)
		return
	}
	b, err := os.ReadFile(rf)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(b)
}
