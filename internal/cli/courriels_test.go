package cli

import (
	"context"
	"flag"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/internal/courrier"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

func TestSMTPFlags(t *testing.T) {
	for _, k := range []string{"SEGUR_SMTP", "SEGUR_SMTP_DE", "SEGUR_SMTP_UTILISATEUR", "SEGUR_SMTP_TLS"} {
		t.Setenv(k, "")
	}
	for _, tt := range []struct {
		name       string
		args       []string
		motDePasse string
		ok         bool
		want       courrier.SMTP
		err        string
	}{
		{"without --smtp", nil, "", false, courrier.SMTP{}, ""},
		{"local relay", []string{"--smtp", "127.0.0.1:25"}, "", true, courrier.SMTP{Addr: "127.0.0.1:25", De: courrier.DefaultDe}, ""},
		{"submission with login", []string{"--smtp", "smtp.asp.example:587", "--smtp-de", "ASP <ne-pas-repondre@asp.example>", "--smtp-utilisateur", "segur", "--smtp-tls", "STARTTLS"},
			"secret", true, courrier.SMTP{Addr: "smtp.asp.example:587", De: "ASP <ne-pas-repondre@asp.example>", Utilisateur: "segur", MotDePasse: "secret", TLS: courrier.TLSStartTLS}, ""},
		{"SMTPS port", []string{"--smtp", "smtp.asp.example:465"}, "", true, courrier.SMTP{Addr: "smtp.asp.example:465", De: courrier.DefaultDe, TLS: courrier.TLSImplicite}, ""},
		{"login without password", []string{"--smtp", "smtp.asp.example:587", "--smtp-utilisateur", "segur"}, "", false, courrier.SMTP{}, "SEGUR_SMTP_MOT_DE_PASSE"},
		{"no port", []string{"--smtp", "smtp.asp.example"}, "", false, courrier.SMTP{}, "hôte:port"},
		{"bad sender", []string{"--smtp", "127.0.0.1:25", "--smtp-de", "personne"}, "", false, courrier.SMTP{}, "expéditeur"},
		{"unknown TLS mode", []string{"--smtp", "127.0.0.1:25", "--smtp-tls", "ssl"}, "", false, courrier.SMTP{}, "mode TLS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := addSMTPFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got, ok, err := f.config(tt.motDePasse)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil || ok != tt.ok || got != tt.want {
				t.Errorf("got %+v, %v, %v; want %+v, %v", got, ok, err, tt.want, tt.ok)
			}
		})
	}
}

func TestAdminMail(t *testing.T) {
	data := t.TempDir()
	ctx := segur.WithActeur(context.Background(), segur.Acteur{Login: "test"})
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(data, "segur.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var ids []segur.CourrielID
	for _, asp := range []string{"ASP-2026-0000001", "ASP-2026-0000002"} {
		c := &segur.Courriel{A: []string{"contact@lebeaulogiciel.fr"}, Sujet: "[Ségur numérique] " + asp + " : pièce à compléter",
			Corps: "Madame, Monsieur,\n", Objet: "demande:" + asp}
		if err := db.CreateCourriel(ctx, c); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	now := time.Now()
	if _, err := db.ClaimCourriels(ctx, now, time.Minute, 1); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateCourrielEchec(ctx, ids[0], now, "connexion au serveur SMTP 127.0.0.1:1 :\nconnection refused", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	d := "--data=" + data
	for _, s := range []struct {
		name    string
		args    []string
		code    int
		out     string // regexp the stdout must match
		errPart string
	}{
		{"all", []string{"admin", "mail", "list", d}, 0,
			`(?s)N°\s+ÉTAT.*\n2\s+à envoyer\s+demande:ASP-2026-0000002\s+contact@lebeaulogiciel.fr.*\n1\s+en échec\s+demande:ASP-2026-0000001\s.*\s1\s+\d\d/\d\d/\d{4} \d\d:\d\d\s+connexion au serveur SMTP 127.0.0.1:1 : connection refused\n$`,
			"2 courriels sur 2"},
		{"failed only", []string{"admin", "mail", "list", d, "--etat", "en_echec"}, 0, `(?s)^N°[^\n]*\n1\s+en échec[^\n]*\n$`, "1 courriel sur 1"},
		{"unknown state", []string{"admin", "mail", "list", d, "--etat", "perdu"}, 1, `^$`, "inconnu"},
		{"retry", []string{"admin", "mail", "retry", d, "--id", "1"}, 0, `^$`, "relancé"},
		{"retry unknown", []string{"admin", "mail", "retry", d, "--id", "999"}, 1, `^$`, "introuvable"},
		{"retry without id", []string{"admin", "mail", "retry", d}, exitUsage, `^$`, "--id"},
	} {
		t.Run(s.name, func(t *testing.T) {
			code, out, errs := runIn(t, "", s.args...)
			if code != s.code {
				t.Fatalf("got exit %d, want %d; stderr:\n%s", code, s.code, errs)
			}
			if !regexp.MustCompile(s.out).MatchString(out) {
				t.Errorf("got stdout\n%s\nwant it to match %s", out, s.out)
			}
			if !strings.Contains(errs, s.errPart) {
				t.Errorf("got stderr %q, want it to contain %q", errs, s.errPart)
			}
		})
	}
	c, err := db.FindCourriel(ctx, ids[0])
	if err != nil || c.ProchainEssai.After(time.Now()) {
		t.Errorf("after retry: got %+v, %v; want it due", c, err)
	}
}
