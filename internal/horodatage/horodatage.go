// Package horodatage asks a time-stamping authority (TSA, RFC 3161) to
// timestamp a SHA-256 digest, and verifies the tokens it returns.
//
// A request (TimeStampReq) carries the digest (the message imprint), a
// random nonce and certReq, so that the token carries the authority's
// certificate. It is POSTed to the authority's address as
// application/timestamp-query; the answer (TimeStampResp) holds a status
// and, when granted, the token: a CMS SignedData (RFC 5652) whose
// encapsulated content is a TSTInfo (the imprint, the nonce, the time the
// authority gives, genTime, a serial number and the authority's policy),
// signed by the authority over its signed attributes: the content type
// (id-ct-TSTInfo), the digest of the TSTInfo (message-digest) and the
// identity of its certificate (ESS signing-certificate, v1 or v2).
//
// Verifier checks all of that, offline: the token's structure, that it
// attests the digest given, the signed attributes, the signature (RSA
// PKCS #1 v1.5 or ECDSA, with SHA-256, SHA-384 or SHA-512) by the
// certificate the token carries and its signer names, that this
// certificate is for time-stamping only (extended key usage timeStamping,
// critical) and was valid at genTime, and, given roots, that it chains to
// one of them. Only the standard library is used.
package horodatage

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	_ "crypto/sha256" // the hashes tokens use
	_ "crypto/sha512"
)

// Object identifiers of the formats.
var (
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCert   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidRSA           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSASHA256     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSASHA384     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidRSASHA512     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidExtKeyUsage   = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// MaxReponse is the largest answer Horodater reads from an authority: a
// token with its certificate chain is a few kilobytes.
const MaxReponse = 1 << 20

// DelaiDefaut is how long Horodater waits for an authority without a
// deadline of its own (Client.HTTP nil).
const DelaiDefaut = 30 * time.Second

// Jeton is a verified timestamp token.
type Jeton struct {
	DER        []byte    // the TimeStampToken (a CMS ContentInfo), as received
	GenTime    time.Time // the time the authority attests, UTC
	Serie      *big.Int  // the token's serial number at the authority
	Politique  asn1.ObjectIdentifier
	Nonce      *big.Int // nil when the request had none
	Signataire *x509.Certificate
}

// Client asks one authority for timestamps.
type Client struct {
	URL string
	// HTTP is the client of the requests; nil: one with a DelaiDefaut
	// timeout.
	HTTP *http.Client
	// Racines are the roots the authority's certificate must chain to;
	// nil: any certificate for time-stamping is accepted.
	Racines *x509.CertPool
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type messageImprint struct {
	HashAlgorithm algorithmIdentifier
	HashedMessage []byte
}

type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	Nonce          *big.Int `asn1:"optional"`
	CertReq        bool     `asn1:"optional"`
}

// Requete returns the DER of a request for the timestamp of digest, a
// SHA-256 (32 bytes), with nonce and certReq.
func Requete(digest []byte, nonce *big.Int) ([]byte, error) {
	if len(digest) != 32 {
		return nil, fmt.Errorf("horodatage : empreinte de %d octets, attendu 32 (SHA-256)", len(digest))
	}
	return asn1.Marshal(timeStampReq{
		Version: 1,
		MessageImprint: messageImprint{
			HashAlgorithm: algorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue},
			HashedMessage: digest,
		},
		Nonce:   nonce,
		CertReq: true,
	})
}

// Horodater asks c's authority for a timestamp of digest (SHA-256) and
// returns the token, verified (Verifier), with the same nonce.
func (c *Client) Horodater(ctx context.Context, digest []byte) (*Jeton, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, err
	}
	req, err := Requete(digest, nonce)
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: DelaiDefaut}
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("horodatage : adresse « %s » : %w", c.URL, err)
	}
	r.Header.Set("Content-Type", "application/timestamp-query")
	r.Header.Set("Accept", "application/timestamp-reply")
	resp, err := hc.Do(r)
	if err != nil {
		return nil, fmt.Errorf("horodatage : autorité %s injoignable : %w", c.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxReponse+1))
	if err != nil {
		return nil, fmt.Errorf("horodatage : réponse de %s interrompue : %w", c.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("horodatage : l'autorité %s répond %s", c.URL, resp.Status)
	}
	if len(body) > MaxReponse {
		return nil, fmt.Errorf("horodatage : réponse de %s trop longue (plus de %d octets)", c.URL, MaxReponse)
	}
	der, err := LireReponse(body)
	if err != nil {
		return nil, err
	}
	j, err := Verifier(der, digest, c.Racines)
	if err != nil {
		return nil, err
	}
	if j.Nonce == nil || j.Nonce.Cmp(nonce) != 0 {
		return nil, errors.New("horodatage : le jeton ne reprend pas le nonce de la demande")
	}
	return j, nil
}

type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"`
	FailInfo     asn1.BitString  `asn1:"optional"`
}

type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// LireReponse reads an authority's answer (TimeStampResp) and returns its
// token, when the status is granted (0) or granted with modifications
// (1); else an error that says the status and the authority's text.
func LireReponse(der []byte) ([]byte, error) {
	var r timeStampResp
	if err := unmarshalAll(der, &r); err != nil {
		return nil, fmt.Errorf("horodatage : réponse illisible : %w", err)
	}
	if s := r.Status.Status; s != 0 && s != 1 {
		var texte []string
		for _, v := range r.Status.StatusString {
			var s string
			if _, err := asn1.Unmarshal(v.FullBytes, &s); err == nil {
				texte = append(texte, s)
			}
		}
		return nil, fmt.Errorf("horodatage : demande refusée par l'autorité (statut %d%s)", s, suffixe(strings.Join(texte, " ; ")))
	}
	if len(r.TimeStampToken.FullBytes) == 0 {
		return nil, errors.New("horodatage : réponse accordée sans jeton")
	}
	return r.TimeStampToken.FullBytes, nil
}

func suffixe(s string) string {
	if s == "" {
		return ""
	}
	return " : " + s
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time        `asn1:"generalized"`
	Accuracy       accuracy         `asn1:"optional"`
	Ordering       bool             `asn1:"optional"`
	Nonce          *big.Int         `asn1:"optional"`
	TSA            asn1.RawValue    `asn1:"optional,explicit,tag:0"`
	Extensions     []pkix.Extension `asn1:"optional,tag:1"`
}

// Verifier verifies token der (a TimeStampToken) for digest (SHA-256) and
// returns what it attests; roots, when not nil, are the roots its
// signer's certificate must chain to. See the package's documentation for
// what is checked. The errors are in French.
func Verifier(der, digest []byte, racines *x509.CertPool) (*Jeton, error) {
	j, err := verifier(der, digest, racines)
	if err != nil {
		return nil, fmt.Errorf("jeton d'horodatage : %w", err)
	}
	return j, nil
}

func verifier(der, digest []byte, racines *x509.CertPool) (*Jeton, error) {
	sd, err := lireSignedData(der)
	if err != nil {
		return nil, err
	}
	var info tstInfo
	if err := unmarshalAll(sd.contenu, &info); err != nil {
		return nil, fmt.Errorf("TSTInfo illisible : %w", err)
	}
	if info.Version != 1 {
		return nil, fmt.Errorf("TSTInfo de version %d, attendu 1", info.Version)
	}
	if !info.MessageImprint.HashAlgorithm.Algorithm.Equal(oidSHA256) {
		return nil, fmt.Errorf("empreinte horodatée d'algorithme %v, attendu SHA-256", info.MessageImprint.HashAlgorithm.Algorithm)
	}
	if !bytes.Equal(info.MessageImprint.HashedMessage, digest) {
		return nil, fmt.Errorf("il horodate l'empreinte %x, et non %x", info.MessageImprint.HashedMessage, digest)
	}
	gen := info.GenTime.UTC()
	si := sd.signataire
	cert, err := trouverCertificat(sd.certificats, si.sid)
	if err != nil {
		return nil, err
	}
	if err := verifierAttributs(si, sd.contenu, cert); err != nil {
		return nil, err
	}
	algo, err := algorithmeSignature(si.signatureAlgo, si.digestAlgo)
	if err != nil {
		return nil, err
	}
	// The signed attributes are signed as a SET (RFC 5652, 5.4), not with
	// their [0] IMPLICIT tag.
	signes := append([]byte{0x31}, si.attributs.FullBytes[1:]...)
	if err := cert.CheckSignature(algo, signes, si.signature); err != nil {
		return nil, fmt.Errorf("signature invalide : %w", err)
	}
	if err := verifierUsage(cert); err != nil {
		return nil, err
	}
	if gen.Before(cert.NotBefore) || gen.After(cert.NotAfter) {
		return nil, fmt.Errorf("le certificat de l'autorité (%s) n'était pas valide à l'heure du jeton, %s (valide du %s au %s)",
			cert.Subject, gen.Format(time.RFC3339), cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	if racines != nil {
		inter := x509.NewCertPool()
		for _, c := range sd.certificats {
			if c != cert {
				inter.AddCert(c)
			}
		}
		_, err := cert.Verify(x509.VerifyOptions{
			Roots: racines, Intermediates: inter, CurrentTime: gen,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		})
		if err != nil {
			return nil, fmt.Errorf("le certificat de l'autorité (%s) ne remonte à aucune des racines de confiance : %w", cert.Subject, err)
		}
	}
	return &Jeton{DER: der, GenTime: gen, Serie: info.SerialNumber, Politique: info.Policy, Nonce: info.Nonce, Signataire: cert}, nil
}

// signedData is what Verifier reads of a token's SignedData.
type signedData struct {
	contenu     []byte // the TSTInfo's DER
	certificats []*x509.Certificate
	signataire  signerInfo
}

type signerInfo struct {
	sid           asn1.RawValue
	digestAlgo    asn1.ObjectIdentifier
	attributs     asn1.RawValue // the signed attributes, [0] IMPLICIT
	signatureAlgo asn1.ObjectIdentifier
	signature     []byte
}

// lireSignedData reads a ContentInfo holding a SignedData of a TSTInfo,
// with one signer, element by element: encoding/asn1's struct tags lose
// the bytes of the signed attributes, which the signature covers.
func lireSignedData(der []byte) (*signedData, error) {
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}
	if err := unmarshalAll(der, &ci); err != nil {
		return nil, fmt.Errorf("structure CMS illisible : %w", err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("contenu CMS de type %v, attendu SignedData", ci.ContentType)
	}
	// content [0] EXPLICIT: the SignedData is its only element.
	var contenu asn1.RawValue
	if c := ci.Content; c.Class != asn1.ClassContextSpecific || c.Tag != 0 || !c.IsCompound || unmarshalAll(c.Bytes, &contenu) != nil {
		return nil, errors.New("structure CMS illisible : SignedData absent")
	}
	els, err := elements(contenu, asn1.TagSequence)
	if err != nil {
		return nil, fmt.Errorf("SignedData illisible : %w", err)
	}
	// version, digestAlgorithms, encapContentInfo, [0] certificates, [1]
	// crls, signerInfos
	if len(els) < 4 {
		return nil, errors.New("SignedData incomplet")
	}
	sd := &signedData{}
	encap, err := elements(els[2], asn1.TagSequence)
	if err != nil || len(encap) != 2 {
		return nil, errors.New("SignedData : contenu encapsulé illisible")
	}
	var typ asn1.ObjectIdentifier
	if err := unmarshalAll(encap[0].FullBytes, &typ); err != nil || !typ.Equal(oidTSTInfo) {
		return nil, fmt.Errorf("contenu signé de type %v, attendu TSTInfo", typ)
	}
	if encap[1].Class != asn1.ClassContextSpecific || encap[1].Tag != 0 || !encap[1].IsCompound {
		return nil, errors.New("SignedData : TSTInfo absent")
	}
	if err := unmarshalAll(encap[1].Bytes, &sd.contenu); err != nil {
		return nil, fmt.Errorf("SignedData : TSTInfo illisible : %w", err)
	}
	i := 3
	if e := els[i]; e.Class == asn1.ClassContextSpecific && e.Tag == 0 {
		for rest := e.Bytes; len(rest) > 0; {
			var c asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &c); err != nil {
				return nil, fmt.Errorf("certificats illisibles : %w", err)
			}
			if c.Class != asn1.ClassUniversal || c.Tag != asn1.TagSequence {
				continue // another CertificateChoices: not used
			}
			cert, err := x509.ParseCertificate(c.FullBytes)
			if err != nil {
				return nil, fmt.Errorf("certificat illisible : %w", err)
			}
			sd.certificats = append(sd.certificats, cert)
		}
		i++
	}
	if i < len(els) && els[i].Class == asn1.ClassContextSpecific && els[i].Tag == 1 {
		i++
	}
	if i != len(els)-1 {
		return nil, errors.New("SignedData : signataires illisibles")
	}
	sis, err := elements(els[i], asn1.TagSet)
	if err != nil {
		return nil, fmt.Errorf("signataires illisibles : %w", err)
	}
	if len(sis) != 1 {
		return nil, fmt.Errorf("%d signataires, attendu un seul (l'autorité)", len(sis))
	}
	if sd.signataire, err = lireSignerInfo(sis[0]); err != nil {
		return nil, err
	}
	return sd, nil
}

// lireSignerInfo reads a SignerInfo: version, sid, digestAlgorithm, [0]
// signedAttrs, signatureAlgorithm, signature, [1] unsignedAttrs.
func lireSignerInfo(v asn1.RawValue) (signerInfo, error) {
	var si signerInfo
	els, err := elements(v, asn1.TagSequence)
	if err != nil || len(els) < 6 {
		return si, errors.New("signataire illisible")
	}
	si.sid = els[1]
	var da, sa algorithmIdentifier
	if err := unmarshalAll(els[2].FullBytes, &da); err != nil {
		return si, errors.New("signataire : algorithme d'empreinte illisible")
	}
	si.digestAlgo = da.Algorithm
	if a := els[3]; a.Class != asn1.ClassContextSpecific || a.Tag != 0 || !a.IsCompound {
		return si, errors.New("signataire sans attributs signés")
	}
	si.attributs = els[3]
	if err := unmarshalAll(els[4].FullBytes, &sa); err != nil {
		return si, errors.New("signataire : algorithme de signature illisible")
	}
	si.signatureAlgo = sa.Algorithm
	if err := unmarshalAll(els[5].FullBytes, &si.signature); err != nil {
		return si, errors.New("signataire : signature illisible")
	}
	return si, nil
}

// trouverCertificat returns the certificate sid names: by issuer and
// serial number, or by subject key identifier ([0]).
func trouverCertificat(certs []*x509.Certificate, sid asn1.RawValue) (*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, errors.New("le jeton ne porte pas le certificat de l'autorité")
	}
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		var ias struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		if err := unmarshalAll(sid.FullBytes, &ias); err != nil {
			return nil, errors.New("identifiant du signataire illisible")
		}
		for _, c := range certs {
			if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.Serial) == 0 {
				return c, nil
			}
		}
		return nil, fmt.Errorf("aucun certificat du jeton n'est celui du signataire (numéro de série %x)", ias.Serial)
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0:
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
		return nil, fmt.Errorf("aucun certificat du jeton n'est celui du signataire (identifiant de clé %x)", sid.Bytes)
	}
	return nil, errors.New("identifiant du signataire illisible")
}

// verifierAttributs checks the signed attributes: content type TSTInfo,
// message-digest the digest of contenu, and, when there, the ESS signing
// certificate (v1 or v2: one is required) naming cert.
func verifierAttributs(si signerInfo, contenu []byte, cert *x509.Certificate) error {
	h, err := hashOf(si.digestAlgo)
	if err != nil {
		return err
	}
	var attrs []asn1.RawValue
	for rest := si.attributs.Bytes; len(rest) > 0; {
		var a asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return errors.New("attributs signés illisibles")
		}
		attrs = append(attrs, a)
	}
	var typeVu, digestVu, certVu bool
	for _, a := range attrs {
		els, err := elements(a, asn1.TagSequence)
		if err != nil || len(els) != 2 {
			return errors.New("attribut signé illisible")
		}
		var oid asn1.ObjectIdentifier
		if err := unmarshalAll(els[0].FullBytes, &oid); err != nil {
			return errors.New("attribut signé illisible")
		}
		vals, err := elements(els[1], asn1.TagSet)
		if err != nil || len(vals) != 1 {
			return fmt.Errorf("attribut signé %v : une valeur attendue", oid)
		}
		val := vals[0].FullBytes
		switch {
		case oid.Equal(oidContentType):
			var t asn1.ObjectIdentifier
			if err := unmarshalAll(val, &t); err != nil || !t.Equal(oidTSTInfo) {
				return errors.New("attribut signé content-type : TSTInfo attendu")
			}
			typeVu = true
		case oid.Equal(oidMessageDigest):
			var d []byte
			if err := unmarshalAll(val, &d); err != nil {
				return errors.New("attribut signé message-digest illisible")
			}
			hh := h.New()
			hh.Write(contenu)
			if !bytes.Equal(d, hh.Sum(nil)) {
				return errors.New("attribut signé message-digest : ce n'est pas l'empreinte du TSTInfo (contenu modifié)")
			}
			digestVu = true
		case oid.Equal(oidSigningCert), oid.Equal(oidSigningCertV2):
			if err := verifierESS(val, oid.Equal(oidSigningCertV2), cert); err != nil {
				return err
			}
			certVu = true
		}
	}
	switch {
	case !typeVu:
		return errors.New("attribut signé content-type absent")
	case !digestVu:
		return errors.New("attribut signé message-digest absent")
	case !certVu:
		return errors.New("attribut signé signing-certificate absent (RFC 3161, RFC 5816)")
	}
	return nil
}

// verifierESS checks that the first certificate of a SigningCertificate
// (v1: SHA-1) or SigningCertificateV2 (default SHA-256) is cert.
func verifierESS(val []byte, v2 bool, cert *x509.Certificate) error {
	var sc asn1.RawValue
	if err := unmarshalAll(val, &sc); err != nil {
		return errors.New("attribut signing-certificate illisible")
	}
	els, err := elements(sc, asn1.TagSequence)
	if err != nil || len(els) == 0 {
		return errors.New("attribut signing-certificate illisible")
	}
	ids, err := elements(els[0], asn1.TagSequence)
	if err != nil || len(ids) == 0 {
		return errors.New("attribut signing-certificate sans certificat")
	}
	id, err := elements(ids[0], asn1.TagSequence)
	if err != nil || len(id) == 0 {
		return errors.New("attribut signing-certificate illisible")
	}
	h := crypto.SHA1
	if v2 {
		h = crypto.SHA256
		if id[0].Class == asn1.ClassUniversal && id[0].Tag == asn1.TagSequence {
			var a algorithmIdentifier
			if err := unmarshalAll(id[0].FullBytes, &a); err != nil {
				return errors.New("attribut signing-certificate illisible")
			}
			if h, err = hashOf(a.Algorithm); err != nil {
				return err
			}
			id = id[1:]
		}
	}
	var empreinte []byte
	if len(id) == 0 || unmarshalAll(id[0].FullBytes, &empreinte) != nil {
		return errors.New("attribut signing-certificate illisible")
	}
	var sum []byte
	if h == crypto.SHA1 {
		s := sha1.Sum(cert.Raw)
		sum = s[:]
	} else {
		hh := h.New()
		hh.Write(cert.Raw)
		sum = hh.Sum(nil)
	}
	if !bytes.Equal(sum, empreinte) {
		return errors.New("attribut signing-certificate : il désigne un autre certificat que celui du signataire")
	}
	return nil
}

// verifierUsage checks that cert is for time-stamping only (RFC 3161,
// 2.3): extended key usage timeStamping alone, critical.
func verifierUsage(cert *x509.Certificate) error {
	critique := false
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			critique = e.Critical
		}
	}
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) > 0 {
		return fmt.Errorf("le certificat du signataire (%s) n'est pas réservé à l'horodatage (usage étendu timeStamping seul attendu)", cert.Subject)
	}
	if !critique {
		return fmt.Errorf("le certificat du signataire (%s) a l'usage étendu timeStamping, mais non critique", cert.Subject)
	}
	return nil
}

func hashOf(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("algorithme d'empreinte %v non pris en charge (SHA-256, SHA-384 ou SHA-512 attendu)", oid)
}

// algorithmeSignature is the x509 algorithm of a signer's signature
// algorithm and digest algorithm.
func algorithmeSignature(sig, digest asn1.ObjectIdentifier) (x509.SignatureAlgorithm, error) {
	h, err := hashOf(digest)
	if err != nil {
		return 0, err
	}
	rsa := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}
	ec := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}
	switch {
	case sig.Equal(oidRSA):
		return rsa[h], nil
	case sig.Equal(oidECPublicKey):
		return ec[h], nil
	case sig.Equal(oidRSASHA256) && h == crypto.SHA256, sig.Equal(oidRSASHA384) && h == crypto.SHA384, sig.Equal(oidRSASHA512) && h == crypto.SHA512:
		return rsa[h], nil
	case sig.Equal(oidECDSASHA256) && h == crypto.SHA256, sig.Equal(oidECDSASHA384) && h == crypto.SHA384, sig.Equal(oidECDSASHA512) && h == crypto.SHA512:
		return ec[h], nil
	}
	return 0, fmt.Errorf("algorithme de signature %v avec l'empreinte %v non pris en charge (RSA PKCS #1 v1.5 ou ECDSA attendu)", sig, digest)
}

// elements returns the elements of v, which must be a universal
// constructed value of tag.
func elements(v asn1.RawValue, tag int) ([]asn1.RawValue, error) {
	if v.Class != asn1.ClassUniversal || v.Tag != tag || !v.IsCompound {
		return nil, fmt.Errorf("élément de type %d attendu, trouvé %d (classe %d)", tag, v.Tag, v.Class)
	}
	var out []asn1.RawValue
	for rest := v.Bytes; len(rest) > 0; {
		var e asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// unmarshalAll is asn1.Unmarshal refusing trailing bytes.
func unmarshalAll(b []byte, v any) error {
	rest, err := asn1.Unmarshal(b, v)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%d octets en trop", len(rest))
	}
	return nil
}
