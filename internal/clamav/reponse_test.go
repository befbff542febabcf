package clamav

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzReponse feeds any bytes to the reading and parsing of a reply to
// INSTREAM, as a hostile or broken server could send them: no panic, a
// bounded read, and a verdict only for a well-formed reply.
func FuzzReponse(f *testing.F) {
	for _, s := range []string{
		"stream: OK\x00",
		"stream: Win.Test.EICAR_HDB-1 FOUND\x00",
		"stream: Segur.Test.Signature.UNOFFICIAL FOUND\x00trailing",
		"INSTREAM size limit exceeded. ERROR\x00",
		"COMMAND READ TIMED OUT ERROR\x00",
		"stream: OK\n",
		"stream:  FOUND\x00",
		"stream: \xff FOUND",
		"PONG\x00",
		"",
		"\x00",
	} {
		f.Add([]byte(s))
	}
	c, err := Nouveau("tcp://127.0.0.1:3310")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		reply, err := readReply(r)
		if read := len(b) - r.Len(); read > maxReply {
			t.Fatalf("read %d bytes, want at most %d", read, maxReply)
		}
		if err != nil {
			return
		}
		res, err := c.verdict(reply)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Kind != ErrAnalyse && e.Kind != ErrTropGros) {
				t.Fatalf("got %#v, want an *Error of kind ErrAnalyse or ErrTropGros", err)
			}
			if len(err.Error()) > 1000 {
				t.Fatalf("message of %d bytes", len(err.Error()))
			}
			return
		}
		if res.Infecte != (res.Signature != "") {
			t.Fatalf("got %+v", res)
		}
		if res.Infecte && (!strings.HasPrefix(reply, "stream: ") || strings.ContainsAny(res.Signature, " \x00\n\x1b")) {
			t.Fatalf("reply %q gave %+v", reply, res)
		}
	})
}
