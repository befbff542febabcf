// Package courrier sends the mails of the outbox (segur.Courriel) over
// SMTP, with the standard library's net/smtp: the postman (Postier) claims
// the mails due in the store, sends each, and records it sent, or failed
// with its next attempt (segur.Backoff). A mail is sent at least once: if
// the server accepts it and the store cannot record it (a crash between
// the two), it is sent again, with the same Message-ID, once its claim has
// ended.
package courrier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"time"

	"github.com/segur-numerique/segur"
)

// Store is the outbox the postman works from (sqlstore.DB).
type Store interface {
	// ClaimCourriels claims up to limit mails due at now, for bail.
	ClaimCourriels(ctx context.Context, now time.Time, bail time.Duration, limit int) ([]segur.Courriel, error)
	// UpdateCourrielEnvoye records a mail accepted by the server.
	UpdateCourrielEnvoye(ctx context.Context, id segur.CourrielID, quand time.Time) error
	// UpdateCourrielEchec records a failed attempt and the next one.
	UpdateCourrielEchec(ctx context.Context, id segur.CourrielID, quand time.Time, erreur string, prochain time.Time) error
}

// Defaults of a Postier.
const (
	DefaultIntervalle = 30 * time.Second
	DefaultLot        = 10
	// MaxPiece bounds an attachment: SMTP servers often refuse a message
	// past 10 to 25 MB, and base64 adds a third.
	MaxPiece = 10 << 20
)

// Postier sends the outbox's mails. Several may run at once, in one
// process or in several on one PostgreSQL: the store's claim keeps each
// mail to one of them at a time.
type Postier struct {
	Store Store
	Blobs segur.Blobs // the attachments
	SMTP  SMTP
	Log   *slog.Logger     // nil: slog.Default()
	Now   func() time.Time // nil: time.Now
	// Intervalle is the wait between two passes that found the outbox
	// empty (0: DefaultIntervalle).
	Intervalle time.Duration
	// Lot is the number of mails one pass claims (0: DefaultLot).
	Lot int
	// Reveil, if set, starts a pass at once when it receives: a mail
	// someone waits for (a link to choose a password) was queued.
	Reveil <-chan struct{}
}

func (p *Postier) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Postier) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

func (p *Postier) lot() int {
	if p.Lot > 0 {
		return p.Lot
	}
	return DefaultLot
}

// Run sends the mails due, pass after pass, until ctx is done; between
// two passes that left nothing to send it waits Intervalle. It logs what
// goes wrong and carries on: a failed mail is tried again later.
func (p *Postier) Run(ctx context.Context) {
	intervalle := p.Intervalle
	if intervalle <= 0 {
		intervalle = DefaultIntervalle
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.Reveil: // nil: never
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
		n, err := p.Tourner(ctx)
		if err != nil && ctx.Err() == nil {
			p.log().Error("courrier: pass", "err", err)
		}
		wait := intervalle
		if n == p.lot() && err == nil {
			wait = 0 // a full pass: more may be due
		}
		t.Reset(wait)
	}
}

// Tourner makes one pass: it claims up to Lot mails due, sends each, and
// records it sent or failed (next attempt: now + segur.Backoff). When the
// server cannot be reached, the pass's other mails are recorded failed
// with the same error, without trying. It returns how many mails the
// server accepted, and the store's errors (a mail's failure is recorded,
// not returned).
func (p *Postier) Tourner(ctx context.Context) (envoyes int, err error) {
	lot := p.lot()
	timeout := p.SMTP.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// The claim lasts as long as the pass can, with a margin: a mail is
	// claimed again only if this postman died.
	bail := time.Duration(lot)*timeout + time.Minute
	de, err := p.SMTP.expediteur()
	if err != nil {
		return 0, err
	}
	cs, err := p.Store.ClaimCourriels(ctx, p.now(), bail, lot)
	if err != nil {
		return 0, fmt.Errorf("courrier: claim: %w", err)
	}
	var errs []error
	var panne error // the server is unreachable
	for _, c := range cs {
		if ctx.Err() != nil {
			// Shutting down: the mails left stay claimed until bail
			// passes, then are sent by the next pass, here or elsewhere.
			break
		}
		envoi := panne
		if envoi == nil {
			envoi = p.envoyer(ctx, c, de)
		}
		// The result is recorded even while shutting down.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		quand := p.now()
		if envoi == nil {
			envoyes++
			if err := p.Store.UpdateCourrielEnvoye(rctx, c.ID, quand); err != nil {
				errs = append(errs, fmt.Errorf("courrier: mail %d sent, not recorded: %w", c.ID, err))
			}
			p.log().Info("courrier: sent", "id", c.ID, "objet", c.Objet, "tentatives", c.Tentatives+1)
		} else {
			var inj *injoignable
			if panne == nil && errors.As(envoi, &inj) {
				panne = envoi
			}
			prochain := quand.Add(segur.Backoff(c.Tentatives + 1))
			if ctx.Err() != nil {
				prochain = quand // cut short by the shutdown: due at the next start
			}
			if err := p.Store.UpdateCourrielEchec(rctx, c.ID, quand, envoi.Error(), prochain); err != nil {
				errs = append(errs, fmt.Errorf("courrier: mail %d failed, not recorded: %w", c.ID, err))
			}
			p.log().Warn("courrier: failed", "id", c.ID, "objet", c.Objet, "tentatives", c.Tentatives+1,
				"prochain_essai", prochain, "err", envoi)
		}
		cancel()
	}
	return envoyes, errors.Join(errs...)
}

// envoyer composes mail c, with its attachment, and sends it.
func (p *Postier) envoyer(ctx context.Context, c segur.Courriel, de *mail.Address) error {
	var piece []byte
	if c.PieceSHA256 != "" {
		var err error
		if piece, err = p.piece(ctx, c.PieceSHA256); err != nil {
			return fmt.Errorf("pièce jointe « %s » : %w", c.PieceNom, err)
		}
	}
	msg, err := Composer(c, de, piece)
	if err != nil {
		return err
	}
	return p.SMTP.envoyer(ctx, de.Address, c.A, msg)
}

// piece reads an attachment from the blobs, checked against its digest.
func (p *Postier) piece(ctx context.Context, sum string) ([]byte, error) {
	if p.Blobs == nil {
		return nil, errors.New("aucun stockage de fichiers configuré")
	}
	b, err := p.Blobs.Open(ctx, sum)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	if b.Taille() > MaxPiece {
		return nil, fmt.Errorf("%d octets, au plus %d", b.Taille(), MaxPiece)
	}
	data, err := io.ReadAll(io.LimitReader(b, MaxPiece+1))
	if err != nil {
		return nil, err
	}
	if h := sha256.Sum256(data); hex.EncodeToString(h[:]) != sum || len(data) > MaxPiece {
		return nil, errors.New("le fichier stocké ne correspond pas à son empreinte")
	}
	return data, nil
}
