package segur

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// The audit log is a hash chain: each event has a link, the SHA-256 of the
// previous event's link and of its own canonical encoding, so that changing,
// removing or inserting an event changes every link after it. A seal
// (Sceau) has a time-stamping authority sign the last link at a time: the
// links before it can no longer be rewritten unseen, even by whoever can
// recompute the whole chain.

// ChaineOrigine returns the link before the first event: 32 zero bytes.
func ChaineOrigine() []byte { return make([]byte, sha256.Size) }

// QuandCanonique is the layout of an event's time in its canonical
// encoding: UTC, to the microsecond (the store's precision).
const QuandCanonique = "2006-01-02T15:04:05.000000Z"

// Canonique returns the canonical encoding of e, which its link hashes:
// its ID as 8 bytes big-endian, then its time (UTC, QuandCanonique), the
// actor's login and address, the action, the object and the details (the
// stored JSON text, byte for byte), each as its length in bytes (4 bytes,
// big-endian) followed by its UTF-8 bytes. Every field has a fixed size
// or a length prefix: two different events never encode the same.
func (e *Evenement) Canonique() []byte {
	quand := e.Quand.UTC().Truncate(time.Microsecond).Format(QuandCanonique)
	fields := []string{quand, e.Acteur.Login, e.Acteur.Adresse, e.Action, e.Objet, e.Details}
	n := 8
	for _, f := range fields {
		n += 4 + len(f)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint64(b, uint64(e.ID))
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// Maillon returns e's link after the link precedent (ChaineOrigine() for the
// first event): SHA-256(precedent || e.Canonique()).
func (e *Evenement) Maillon(precedent []byte) []byte {
	h := sha256.New()
	h.Write(precedent)
	h.Write(e.Canonique())
	return h.Sum(nil)
}

// Sceau is a seal of the audit log: the link of event EvenementID
// (Valeur), timestamped by a time-stamping authority (RFC 3161).
type Sceau struct {
	ID          int64
	EvenementID int64     // the chain's head when sealed
	Valeur      []byte    // its link, the digest the authority signed
	Jeton       []byte    // the TimeStampToken, DER
	HorodateLe  time.Time // the token's genTime
	TSA         string    // the authority's address
	ScelleLe    time.Time // when the portal recorded it
}
