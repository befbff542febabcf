package courrier

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"path"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
)

// typesPiece are the attachments' content types, by extension: a fixed
// table, not the system's (mime.TypeByExtension reads /etc/mime.types).
var typesPiece = map[string]string{
	".pdf":  "application/pdf",
	".csv":  "text/csv",
	".json": "application/json",
	".zip":  "application/zip",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".txt":  "text/plain",
}

func typePiece(nom string) string {
	if t, ok := typesPiece[strings.ToLower(path.Ext(nom))]; ok {
		return t
	}
	return "application/octet-stream"
}

// MessageID is the Message-ID of mail c sent from the domain of de: the
// same at every attempt, so that a mail sent again after a crash (sent,
// but not recorded as sent) shows as the same message.
func MessageID(c segur.Courriel, de *mail.Address) string {
	_, dom, _ := strings.Cut(de.Address, "@")
	return fmt.Sprintf("<segur.courriel.%d.%d@%s>", c.ID, c.CreeLe.UnixMicro(), dom)
}

// controle reports whether r is a control character (line breaks, NUL,
// DEL…); a tab is allowed.
func controle(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }

// entetes is a message's header, written in its order.
type entetes struct {
	b   bytes.Buffer
	err error
}

// set writes one header field; a value with a line break or another
// control character would start a new field (header injection): it is
// refused.
func (h *entetes) set(k, v string) {
	if strings.ContainsFunc(v, controle) {
		if h.err == nil {
			h.err = fmt.Errorf("en-tête %s : caractère de contrôle refusé", k)
		}
		return
	}
	h.b.WriteString(k + ": " + v + "\r\n")
}

// Composer writes mail c as an RFC 5322 message from de: Date (when it was
// queued, so every attempt sends the same bytes), From, To, Subject
// (RFC 2047 for accents), Message-ID (MessageID), Auto-Submitted; the body
// as text/plain in UTF-8, quoted-printable, and, with an attachment (piece,
// the content of c.PieceSHA256), a multipart/mixed of the text and the
// attachment in base64. Any header value with a line break is refused.
func Composer(c segur.Courriel, de *mail.Address, piece []byte) ([]byte, error) {
	if de == nil || !segur.AdresseCourrielValide(de.Address) {
		return nil, fmt.Errorf("courrier : expéditeur invalide")
	}
	if len(c.A) == 0 {
		return nil, fmt.Errorf("courrier : aucun destinataire")
	}
	for _, a := range c.A {
		if !segur.AdresseCourrielValide(a) {
			return nil, fmt.Errorf("courrier : destinataire %q invalide", a)
		}
	}
	// Encoded, a line break could not start a new field; it is still not
	// what a header holds.
	for _, v := range []string{c.Sujet, c.PieceNom, de.Name} {
		if strings.ContainsFunc(v, controle) {
			return nil, fmt.Errorf("courrier : caractère de contrôle dans un en-tête : %q", v)
		}
	}
	if (c.PieceSHA256 != "") != (piece != nil) {
		return nil, fmt.Errorf("courrier : pièce jointe et son contenu dépareillés")
	}
	if piece != nil {
		sum := sha256.Sum256(piece)
		if hex.EncodeToString(sum[:]) != c.PieceSHA256 {
			return nil, fmt.Errorf("courrier : le contenu de la pièce jointe « %s » ne correspond pas à son empreinte", c.PieceNom)
		}
	}

	var h entetes
	h.set("Date", c.CreeLe.UTC().Format(time.RFC1123Z))
	h.set("From", de.String())
	h.set("To", strings.Join(c.A, ", "))
	h.set("Subject", mime.QEncoding.Encode("utf-8", c.Sujet))
	h.set("Message-ID", MessageID(c, de))
	h.set("Auto-Submitted", "auto-generated") // RFC 3834: no auto-reply
	h.set("MIME-Version", "1.0")

	var corps bytes.Buffer
	if piece == nil {
		h.set("Content-Type", "text/plain; charset=utf-8")
		h.set("Content-Transfer-Encoding", "quoted-printable")
		if err := texte(&corps, c.Corps); err != nil {
			return nil, err
		}
	} else {
		mw := multipart.NewWriter(&corps)
		// A boundary of the mail's own, stable across attempts; "=_"
		// never occurs in quoted-printable nor in base64.
		sum := sha256.Sum256(fmt.Appendf(nil, "%d.%d", c.ID, c.CreeLe.UnixMicro()))
		if err := mw.SetBoundary("=_segur_" + hex.EncodeToString(sum[:12])); err != nil {
			return nil, fmt.Errorf("courrier : %w", err)
		}
		h.set("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {"text/plain; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("courrier : %w", err)
		}
		if err := texte(w, c.Corps); err != nil {
			return nil, err
		}
		ct := mime.FormatMediaType(typePiece(c.PieceNom), map[string]string{"name": c.PieceNom})
		cd := mime.FormatMediaType("attachment", map[string]string{"filename": c.PieceNom})
		if ct == "" || cd == "" || strings.ContainsAny(c.PieceNom, "\r\n") {
			return nil, fmt.Errorf("courrier : nom de pièce jointe %q illisible", c.PieceNom)
		}
		w, err = mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {ct},
			"Content-Disposition":       {cd},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, fmt.Errorf("courrier : %w", err)
		}
		if err := base64Lignes(w, piece); err != nil {
			return nil, err
		}
		if err := mw.Close(); err != nil {
			return nil, fmt.Errorf("courrier : %w", err)
		}
	}
	if h.err != nil {
		return nil, fmt.Errorf("courrier : %w", h.err)
	}
	h.b.WriteString("\r\n")
	h.b.Write(corps.Bytes())
	return h.b.Bytes(), nil
}

// texte writes s quoted-printable, its line ends as CRLF.
func texte(w io.Writer, s string) error {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return fmt.Errorf("courrier : %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("courrier : %w", err)
	}
	return nil
}

// base64Lignes writes b in base64, in lines of 76 characters (RFC 2045).
func base64Lignes(w io.Writer, b []byte) error {
	s := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	out.Grow(len(s) + len(s)/76*2 + 2)
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s + "\r\n")
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("courrier : %w", err)
	}
	return nil
}
