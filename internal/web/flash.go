package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cookieFlash names the cookie that carries the message of a redirect to
// the page it leads to. The message is the server's: signed with the
// session's own secret (its cookie, which only the browser and the portal
// know), valid a minute, read once. A link cannot make a page say
// anything (no ?message=), another session's cookie cannot carry it, and
// any instance of the portal on the same database can read it (the
// redirect's page may be served by another one than the action).
const cookieFlash = "segur_flash"

// dureeFlash is how long a redirect's message waits for its page.
const dureeFlash = time.Minute

// rediriger leads to cible after a change, with msg shown there once
// (read by flash).
func (s *Server) rediriger(w http.ResponseWriter, r *http.Request, cible, msg string) {
	expire := strconv.FormatInt(s.Now().Add(dureeFlash).Unix(), 10)
	texte := encode([]byte(msg))
	http.SetCookie(w, &http.Cookie{Name: cookieFlash, Value: expire + "." + texte + "." + s.signeFlash(r, expire, texte),
		Path: "/", MaxAge: int(dureeFlash / time.Second), HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, cible, http.StatusSeeOther)
}

// flash is the message a redirect left for this page ("" if none): it is
// then cleared, shown once. Only a GET reads it: a form shown again with
// its errors leaves it to the page it was meant for.
func (s *Server) flash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(cookieFlash)
	if err != nil || r.Method != http.MethodGet {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: cookieFlash, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	expire, reste, _ := strings.Cut(c.Value, ".")
	texte, signature, _ := strings.Cut(reste, ".")
	fin, err := strconv.ParseInt(expire, 10, 64)
	if err != nil || s.Now().Unix() > fin {
		return ""
	}
	if !hmac.Equal([]byte(signature), []byte(s.signeFlash(r, expire, texte))) {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(texte)
	if err != nil {
		return ""
	}
	return string(msg)
}

// signeFlash signs a flash's expiry and text with the secret of r's
// session: a message left for one session is shown in no other.
func (s *Server) signeFlash(r *http.Request, expire, texte string) string {
	session := ""
	if c, err := r.Cookie(cookieSession); err == nil {
		session = c.Value
	}
	m := hmac.New(sha256.New, []byte("segur-flash\x00"+session))
	m.Write([]byte(expire + "\x00" + texte))
	return encode(m.Sum(nil))
}
