package courrier

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

// ModeTLS says how the connection to the SMTP server is protected.
type ModeTLS string

// The TLS modes.
const (
	// TLSAuto: STARTTLS when the server offers it, except on a loopback
	// address (a local relay); in clear otherwise, but never a password.
	TLSAuto ModeTLS = ""
	// TLSStartTLS: STARTTLS always; a server that does not offer it is an
	// error (the usual port 587).
	TLSStartTLS ModeTLS = "starttls"
	// TLSImplicite: TLS from the first byte (SMTPS, port 465).
	TLSImplicite ModeTLS = "tls"
)

// DefaultDe is the sender by default.
const DefaultDe = "Ségur numérique <ne-pas-repondre@segur.localhost>"

// DefaultTimeout bounds one mail's whole exchange with the server.
const DefaultTimeout = 30 * time.Second

// SMTP is how to reach the SMTP server that sends the mails.
type SMTP struct {
	Addr string // host:port
	De   string // From, an RFC 5322 address: « Nom <adresse> » or « adresse »
	// Utilisateur and MotDePasse log in (AUTH PLAIN) when Utilisateur is
	// set: only over TLS, or to a loopback address.
	Utilisateur, MotDePasse string
	TLS                     ModeTLS
	// TLSConfig checks the server's certificate (nil: the system's roots,
	// for the host of Addr).
	TLSConfig *tls.Config
	// Helo is the name said in EHLO ("": this machine's name).
	Helo string
	// Timeout bounds one mail's whole exchange (0: DefaultTimeout).
	Timeout time.Duration
}

// Valider checks the configuration, once, at start-up: a host:port, a
// sender that is one plain address, a known TLS mode.
func (s SMTP) Valider() error {
	host, port, err := net.SplitHostPort(s.Addr)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n <= 0 || n > 65535 {
		return segur.Errorf(segur.EINVALID, "serveur SMTP « %s » : attendu hôte:port, par exemple smtp.example.fr:587", s.Addr)
	}
	if _, err := s.expediteur(); err != nil {
		return err
	}
	switch s.TLS {
	case TLSAuto, TLSStartTLS, TLSImplicite:
	default:
		return segur.Errorf(segur.EINVALID, "mode TLS « %s » inconnu : attendu starttls ou tls", s.TLS)
	}
	if strings.ContainsAny(s.Utilisateur+s.MotDePasse+s.Helo, "\r\n\x00") {
		return segur.Errorf(segur.EINVALID, "identifiant, mot de passe ou nom SMTP : caractère de contrôle refusé")
	}
	return nil
}

// expediteur reads s.De.
func (s SMTP) expediteur() (*mail.Address, error) {
	de := s.De
	if de == "" {
		de = DefaultDe
	}
	a, err := mail.ParseAddress(de)
	if err != nil || !segur.AdresseCourrielValide(a.Address) || strings.ContainsAny(a.Name, "\r\n") {
		return nil, segur.Errorf(segur.EINVALID, "expéditeur « %s » : attendu « Nom <adresse@domaine> » ou une adresse", de)
	}
	return a, nil
}

// loopback reports whether host is this machine: localhost or a loopback
// IP address.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// startTLS decides whether to start TLS on a server that offers it or
// not: TLSStartTLS demands it, TLSAuto takes it except on loopback.
func startTLS(mode ModeTLS, offert bool, host string) (bool, error) {
	switch {
	case mode == TLSImplicite:
		return false, nil
	case mode == TLSStartTLS && !offert:
		return false, errors.New("le serveur n'offre pas STARTTLS, exigé")
	case mode == TLSStartTLS:
		return true, nil
	}
	return offert && !loopback(host), nil
}

// authAutorisee reports whether a password may be sent: over TLS, or to
// this machine.
func authAutorisee(tlsActif bool, host string) bool {
	return tlsActif || loopback(host)
}

// injoignable is the error of a server that could not be reached: the
// other mails of the pass would fail the same way.
type injoignable struct{ err error }

func (e *injoignable) Error() string { return e.err.Error() }
func (e *injoignable) Unwrap() error { return e.err }

// envoyer sends msg from from to to, in one exchange bounded by
// s.Timeout and by ctx. Its errors are French, for the admins; they never
// hold the password.
func (s SMTP) envoyer(ctx context.Context, from string, to []string, msg []byte) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("serveur SMTP « %s » : %w", s.Addr, err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn, err := (&net.Dialer{Deadline: deadline}).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return &injoignable{fmt.Errorf("connexion au serveur SMTP %s : %w", s.Addr, err)}
	}
	defer conn.Close()
	// The deadline bounds the whole exchange; ctx's end cuts it short.
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("serveur SMTP %s : %w", s.Addr, err)
	}
	defer context.AfterFunc(ctx, func() { conn.Close() })()

	cfg := s.TLSConfig.Clone()
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	tlsActif := false
	if s.TLS == TLSImplicite {
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return &injoignable{fmt.Errorf("TLS avec le serveur SMTP %s : %w", s.Addr, err)}
		}
		conn, tlsActif = tc, true
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return &injoignable{fmt.Errorf("serveur SMTP %s, accueil : %w", s.Addr, err)}
	}
	defer c.Close()
	helo := s.Helo
	if helo == "" {
		if helo, err = os.Hostname(); err != nil || helo == "" || strings.ContainsAny(helo, " \r\n") {
			helo = "localhost"
		}
	}
	if err := c.Hello(helo); err != nil {
		return &injoignable{fmt.Errorf("serveur SMTP %s, EHLO : %w", s.Addr, err)}
	}
	offert, _ := c.Extension("STARTTLS")
	start, err := startTLS(s.TLS, offert, host)
	if err != nil {
		return &injoignable{fmt.Errorf("serveur SMTP %s : %w", s.Addr, err)}
	}
	if start {
		if err := c.StartTLS(cfg); err != nil {
			return &injoignable{fmt.Errorf("serveur SMTP %s, STARTTLS : %w", s.Addr, err)}
		}
		tlsActif = true
	}
	if s.Utilisateur != "" {
		if !authAutorisee(tlsActif, host) {
			return &injoignable{fmt.Errorf("serveur SMTP %s : pas de TLS, le mot de passe n'est pas envoyé en clair", s.Addr)}
		}
		if ok, _ := c.Extension("AUTH"); !ok {
			return &injoignable{fmt.Errorf("serveur SMTP %s : il n'offre pas l'authentification", s.Addr)}
		}
		if err := c.Auth(smtp.PlainAuth("", s.Utilisateur, s.MotDePasse, host)); err != nil {
			return &injoignable{fmt.Errorf("serveur SMTP %s, authentification de %s : %w", s.Addr, s.Utilisateur, err)}
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("serveur SMTP %s, MAIL FROM <%s> : %w", s.Addr, from, err)
	}
	for _, a := range to {
		if err := c.Rcpt(a); err != nil {
			return fmt.Errorf("serveur SMTP %s, destinataire <%s> : %w", s.Addr, a, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("serveur SMTP %s, DATA : %w", s.Addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("serveur SMTP %s, envoi du message : %w", s.Addr, err)
	}
	// The server accepts the mail when it answers the end of DATA.
	if err := w.Close(); err != nil {
		return fmt.Errorf("serveur SMTP %s, fin du message : %w", s.Addr, err)
	}
	// The mail is accepted: a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}
