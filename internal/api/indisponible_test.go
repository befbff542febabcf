package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/auth"
)

// storeSature is a store whose pool gives no connection.
type storeSature struct{ Store }

func (storeSature) Disponible(context.Context, time.Duration) error {
	return segur.Errorf(segur.EUNAVAILABLE, "la base de données ne répond pas : réessayez dans quelques instants")
}

// TestIndisponible: a database whose pool stays full is answered 503 with
// Retry-After and a French problem, not an internal error.
func TestIndisponible(t *testing.T) {
	a := &API{Store: storeSature{}, AttenteBase: time.Second, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/depots", nil)
	req.Header.Set("Authorization", "Bearer "+auth.TokenPrefix+"abcdef")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p Problem
	json.NewDecoder(resp.Body).Decode(&p)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.Contains(p.Detail, "base de données") {
		t.Errorf("got %d %+v (Retry-After %q), want 503 with Retry-After and a French detail", resp.StatusCode, p, resp.Header.Get("Retry-After"))
	}
}

// TestClientParti: an answer begun (a deposit recorded) whose client went
// away is logged at info, not as an internal error, and nothing more is
// written.
func TestClientParti(t *testing.T) {
	var log strings.Builder
	a := &API{Log: slog.New(slog.NewTextHandler(&log, nil))}
	h := a.serve(func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusCreated)
		return io.ErrClosedPipe
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/depots", nil))
	if rec.Code != http.StatusCreated || rec.Body.Len() != 0 {
		t.Errorf("got %d %q, want 201 and nothing more", rec.Code, rec.Body.String())
	}
	if !strings.Contains(log.String(), "level=INFO") || !strings.Contains(log.String(), "client gone") || strings.Contains(log.String(), "ERROR") {
		t.Errorf("log: got %q, want one info line « client gone »", log.String())
	}
}

// TestStockagePlein: a full file store is 507 with a French message,
// logged once however many deposits it refuses.
func TestStockagePlein(t *testing.T) {
	var log strings.Builder
	a := &API{Log: slog.New(slog.NewTextHandler(&log, nil))}
	h := a.serve(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("blob: %w", segur.Errorf(segur.ENOSPACE, "le stockage des fichiers du portail est plein : dépôt non enregistré, réessayez plus tard"))
	})
	for range 3 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/depots", nil))
		if rec.Code != http.StatusInsufficientStorage || !strings.Contains(rec.Body.String(), "plein") {
			t.Errorf("got %d %s, want 507 in French", rec.Code, rec.Body.String())
		}
	}
	if n := strings.Count(log.String(), "file store full"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, log.String())
	}
}
