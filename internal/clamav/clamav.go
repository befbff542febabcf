// Package clamav is a client of ClamAV's daemon, clamd, which scans the
// attachments that vendors deposit before an agent may open them.
//
// It speaks clamd's own protocol over TCP or a unix socket, one connection
// per command, in the form whose commands and replies end with a NUL byte
// ("zPING\x00" → "PONG\x00"). A file is sent with INSTREAM: the command,
// then chunks of at most 64 KiB, each preceded by its length on 4 bytes
// (big-endian), then a chunk of length zero; clamd replies
// « stream: OK », « stream: <signature> FOUND », or « ... ERROR ». The file
// is read as it is sent: memory stays constant whatever its size. clamd
// refuses a stream longer than its StreamMaxLength (25 MiB by default).
//
// Errors are *Error values that match one of three kinds with errors.Is:
// ErrInjoignable (clamd could not be reached or did not answer in time:
// worth retrying later), ErrTropGros (clamd refused the stream: over its
// size limit; retrying is useless) and ErrAnalyse (clamd answered with
// an error, or with a reply this client does not understand). Their
// messages are French: they may reach an operator.
package clamav

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultTimeout bounds each exchange with clamd whose context has no
// earlier deadline.
const DefaultTimeout = time.Minute

const (
	// chunkSize is the largest chunk sent to clamd: it bounds the memory
	// of a scan.
	chunkSize = 64 << 10
	// maxReply bounds a reply: a longer one is not clamd's.
	maxReply = 4 << 10
)

// The kinds of error; an *Error matches one of them with errors.Is.
var (
	// ErrInjoignable is the kind of error of a clamd that could not be
	// reached, cut the connection or did not answer in time (then
	// errors.Is also finds context.DeadlineExceeded). Worth retrying later.
	ErrInjoignable = errors.New("antivirus injoignable ou trop lent")
	// ErrTropGros is the kind of error of a stream that clamd refused,
	// longer than its limit (StreamMaxLength). Retrying is useless.
	ErrTropGros = errors.New("fichier refusé par l'antivirus, plus grand que la taille qu'il accepte")
	// ErrAnalyse is the kind of error of a scan that clamd answered with
	// an error, or with a reply that is not one of its own.
	ErrAnalyse = errors.New("l'antivirus n'a pas pu analyser le fichier")
)

// Error is the error of an exchange with clamd.
type Error struct {
	Adresse string // the address of clamd, as given to Nouveau
	Kind    error  // ErrInjoignable, ErrTropGros or ErrAnalyse
	Err     error  // the cause (network error, ctx.Err(), clamd's reply), or nil
}

// Error says the kind, the address and the cause, in French.
func (e *Error) Error() string {
	s := fmt.Sprintf("%v (%s)", e.Kind, e.Adresse)
	if e.Err != nil {
		s += " : " + e.Err.Error()
	}
	return s
}

// Unwrap returns the kind and the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Resultat is clamd's verdict on a file.
type Resultat struct {
	Infecte   bool   // a signature matched
	Signature string // its name, as clamd says it (e.g. « Win.Test.EICAR_HDB-1 »), when Infecte
}

// String says the verdict in French.
func (r Resultat) String() string {
	if r.Infecte {
		return "infecté : " + r.Signature
	}
	return "sain"
}

// Client talks to one clamd. Its methods may be called concurrently: each
// opens its own connection.
type Client struct {
	// Timeout bounds each exchange whose context has no earlier deadline;
	// zero means no bound but the context's. Nouveau sets DefaultTimeout.
	Timeout time.Duration

	adresse string // as given to Nouveau, for the messages
	network string // "tcp" or "unix"
	addr    string // host:port or the socket's path
}

// Nouveau returns a client of the clamd at adresse: tcp://host:port, or
// unix:///path/of/the/socket. Nothing is dialled yet.
func Nouveau(adresse string) (*Client, error) {
	c := &Client{Timeout: DefaultTimeout, adresse: adresse}
	invalid := func(why string) error {
		return fmt.Errorf("adresse de l'antivirus « %s » invalide : %s ; attendu tcp://hôte:port (par exemple tcp://127.0.0.1:3310) ou unix:///chemin/du/socket (par exemple unix:///run/clamav/clamd.ctl)", adresse, why)
	}
	if rest, ok := strings.CutPrefix(adresse, "tcp://"); ok {
		host, port, err := net.SplitHostPort(rest)
		switch {
		case err != nil:
			return nil, invalid("hôte ou port manquant")
		case host == "":
			return nil, invalid("hôte manquant")
		case strings.ContainsAny(host, "/?#@ "):
			return nil, invalid("hôte « " + host + " » incorrect")
		case !portValide(port):
			return nil, invalid("port « " + port + " » incorrect (de 1 à 65535)")
		}
		c.network, c.addr = "tcp", rest
		return c, nil
	}
	if path, ok := strings.CutPrefix(adresse, "unix://"); ok {
		if !strings.HasPrefix(path, "/") || strings.ContainsRune(path, 0) {
			return nil, invalid("le chemin du socket doit être absolu")
		}
		c.network, c.addr = "unix", path
		return c, nil
	}
	return nil, invalid("schéma inconnu")
}

func portValide(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
		n = n*10 + int(r-'0')
	}
	return n >= 1 && n <= 65535
}

// String returns the address of clamd, as given to Nouveau.
func (c *Client) String() string { return c.adresse }

// Ping checks that clamd answers.
func (c *Client) Ping(ctx context.Context) error {
	reply, err := c.exchange(ctx, "zPING\x00", nil)
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return c.fail(ErrAnalyse, unexpected(reply))
	}
	return nil
}

// Version returns clamd's version line, which names its engine and, with
// ClamAV's databases, the version and date of the signatures
// (« ClamAV 1.4.6/27480/Wed Dec  2 09:32:02 2026 »): worth recording with a
// verdict. With databases of one's own, only the engine is said
// (« ClamAV 1.4.6 »).
func (c *Client) Version(ctx context.Context) (string, error) {
	reply, err := c.exchange(ctx, "zVERSION\x00", nil)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(reply, "ClamAV ") {
		return "", c.fail(ErrAnalyse, unexpected(reply))
	}
	return reply, nil
}

// Analyser has clamd scan what r holds, read and sent chunk by chunk: the
// memory used does not depend on its size. ctx bounds the whole exchange,
// with c.Timeout. An error of r is returned wrapped (errors.Is finds it),
// not as an *Error; the connection is then closed without a verdict.
func (c *Client) Analyser(ctx context.Context, r io.Reader) (Resultat, error) {
	reply, err := c.exchange(ctx, "zINSTREAM\x00", func(conn net.Conn) error {
		buf := make([]byte, 4+chunkSize)
		for {
			n, err := io.ReadFull(r, buf[4:])
			if n > 0 {
				binary.BigEndian.PutUint32(buf, uint32(n))
				if _, werr := conn.Write(buf[:4+n]); werr != nil {
					return werr
				}
			}
			switch {
			case err == io.EOF || err == io.ErrUnexpectedEOF:
				_, werr := conn.Write([]byte{0, 0, 0, 0})
				return werr
			case err != nil:
				return &readerError{err}
			}
		}
	})
	if err != nil {
		return Resultat{}, err
	}
	return c.verdict(reply)
}

// readerError is an error of the reader given to Analyser, not of clamd.
type readerError struct{ err error }

func (e *readerError) Error() string { return "lecture du fichier à analyser : " + e.err.Error() }
func (e *readerError) Unwrap() error { return e.err }

// verdict parses clamd's reply to INSTREAM.
func (c *Client) verdict(reply string) (Resultat, error) {
	if strings.HasSuffix(reply, " ERROR") {
		if strings.Contains(reply, "size limit exceeded") {
			return Resultat{}, c.fail(ErrTropGros, fmt.Errorf("réponse « %s »", reply))
		}
		return Resultat{}, c.fail(ErrAnalyse, fmt.Errorf("réponse « %s »", reply))
	}
	rest, ok := strings.CutPrefix(reply, "stream: ")
	switch {
	case !ok:
	case rest == "OK":
		return Resultat{}, nil
	case strings.HasSuffix(rest, " FOUND"):
		name := strings.TrimSuffix(rest, " FOUND")
		// ClamAV's names are printable ASCII, without spaces.
		if name != "" && strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r > '~' }) < 0 {
			return Resultat{Infecte: true, Signature: name}, nil
		}
	}
	return Resultat{}, c.fail(ErrAnalyse, unexpected(reply))
}

// exchange opens a connection to clamd, sends cmd, runs body (which sends
// what follows the command) when not nil, and returns clamd's reply
// without its final NUL. Its errors are *Error, except a *readerError
// from body, returned as it is.
func (c *Client) exchange(ctx context.Context, cmd string, body func(net.Conn) error) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", c.unreachable(ctx, err)
	}
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.network, c.addr)
	if err != nil {
		return "", c.unreachable(ctx, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// A cancelled context unblocks the reads and writes at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	_, err = io.WriteString(conn, cmd)
	if err == nil && body != nil {
		err = body(conn)
	}
	if err != nil {
		var re *readerError
		if errors.As(err, &re) {
			return "", err
		}
		// clamd may have refused the stream (size limit) and closed the
		// connection while it was being sent: its reply, if it could be
		// read, says why.
		if reply, rerr := readReply(conn); rerr == nil && reply != "" {
			return reply, nil
		}
		return "", c.unreachable(ctx, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		if errors.Is(err, errTooLong) {
			return "", c.fail(ErrAnalyse, err)
		}
		return "", c.unreachable(ctx, err)
	}
	return reply, nil
}

func (c *Client) fail(kind, err error) *Error {
	return &Error{Adresse: c.adresse, Kind: kind, Err: err}
}

// unreachable is the error of a failed dial, read or write: clamd is
// unreachable, or ctx ended first.
func (c *Client) unreachable(ctx context.Context, err error) *Error {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		err = &cause{"analyse annulée", errors.Join(ctx.Err(), err)}
	case ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded):
		err = &cause{"pas de réponse dans le délai", errors.Join(context.DeadlineExceeded, err)}
	case errors.Is(err, syscall.ECONNREFUSED):
		err = &cause{"connexion refusée, rien n'écoute à cette adresse", err}
	case errors.Is(err, syscall.ENOENT):
		err = &cause{"le socket n'existe pas", err}
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		err = &cause{"connexion coupée par l'antivirus avant sa réponse", err}
	default:
		err = &cause{"connexion impossible ou interrompue (" + err.Error() + ")", err}
	}
	return c.fail(ErrInjoignable, err)
}

// cause is an error whose message is French, over the error it wraps.
type cause struct {
	msg string
	err error
}

func (e *cause) Error() string { return e.msg }
func (e *cause) Unwrap() error { return e.err }

var errTooLong = fmt.Errorf("réponse de plus de %d octets : ce n'est pas celle d'un clamd", maxReply)

// readReply reads a reply up to its NUL byte (or the end of the
// connection), at most maxReply bytes.
func readReply(r io.Reader) (string, error) {
	buf := make([]byte, maxReply)
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		if i := bytes.IndexByte(buf[n:n+m], 0); i >= 0 {
			return clean(buf[:n+i]), nil
		}
		n += m
		if err == io.EOF && n > 0 {
			return clean(buf[:n]), nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", errTooLong
}

// clean returns a reply as a string fit for a log line: the final line
// end of the n-prefixed form removed, and invalid UTF-8 or control bytes
// replaced, since it may be quoted in a message.
func clean(b []byte) string {
	b = bytes.TrimRight(b, "\r\n")
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

func unexpected(reply string) error {
	const max = 200
	if len(reply) > max {
		reply = strings.ToValidUTF8(reply[:max], "") + "…"
	}
	return fmt.Errorf("réponse inattendue « %s »", reply)
}
