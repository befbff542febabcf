package sqlstore

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

// demandeLien is a request for a link of token to login.
func demandeLien(login, token string, objet segur.ObjetLien) segur.DemandeLien {
	return segur.DemandeLien{Login: login, Adresse: "192.0.2.7", Objet: objet, Empreinte: empreinte(token),
		URL: segur.LienMotDePasse("https://portail.example", token), Connexion: "https://portail.example/connexion"}
}

// nombreLiens counts the stored links whose digest is d (all of them with
// nil).
func nombreLiens(t *testing.T, db *DB, d []byte) int {
	t.Helper()
	q, args := `SELECT count(*) FROM liens_compte`, []any{}
	if d != nil {
		q, args = q+` WHERE empreinte = $1`, append(args, d)
	}
	var n int
	if err := db.r.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// courrielsTotal is the number of mails in the outbox.
func courrielsTotal(t *testing.T, db *DB) []segur.Courriel {
	t.Helper()
	cs, _, err := db.FindCourriels(context.Background(), "", 500, 0)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// runLienSuite tests the links mailed to choose a password, on the stores
// of runSuite.
func runLienSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("activation: digest stored, replaced, used once, sessions closed", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		u := &segur.Utilisateur{Login: "Paul@ASP.example", Nom: "Paul Martin", Roles: []segur.Role{segur.RoleInstructeur}, MotDePasse: "ignoré"}
		if err := db.CreateUtilisateurInvite(ctx, u, demandeLien(u.Login, "jeton-1", segur.LienActivation)); err != nil {
			t.Fatalf("CreateUtilisateurInvite: %v", err)
		}
		if u.ID == 0 || u.Login != "paul@asp.example" || u.MotDePasse != "" {
			t.Fatalf("got %+v, want an ID, the login lower-cased, no password", u)
		}
		// The digest is stored, never the token.
		if n := nombreLiens(t, db, []byte("jeton-1")); n != 0 {
			t.Error("the token itself is stored")
		}
		if n := nombreLiens(t, db, empreinte("jeton-1")); n != 1 {
			t.Fatalf("got %d links of the token's digest, want 1", n)
		}
		l, lu, err := db.FindLienCompte(ctx, empreinte("jeton-1"))
		if err != nil || lu.ID != u.ID || l.Objet != segur.LienActivation || !l.ExpireLe.Equal(stored.Add(7*24*time.Hour)) {
			t.Fatalf("FindLienCompte: got %+v, %+v, %v; want the activation of %d, 7 days", l, lu, err, u.ID)
		}
		cs := courrielsTotal(t, db)
		if len(cs) != 1 || cs[0].A[0] != "paul@asp.example" || cs[0].Sujet != "[Ségur numérique] Activez votre compte" ||
			!strings.Contains(cs[0].Corps, "https://portail.example/motdepasse/nouveau?jeton=jeton-1\n") || !strings.Contains(cs[0].Corps, "valable 7 jours") {
			t.Fatalf("the activation mail: got %+v", cs)
		}
		// Once sent, the outbox keeps no live link.
		if err := db.UpdateCourrielEnvoye(ctx, cs[0].ID, stored); err != nil {
			t.Fatal(err)
		}
		c, err := db.FindCourriel(ctx, cs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.Corps, "jeton-1") || !strings.Contains(c.Corps, "/motdepasse/nouveau?jeton=(effacé après l'envoi)\n") {
			t.Errorf("the sent mail's body keeps its token:\n%s", c.Corps)
		}
		// The audit trail holds neither the token nor its digest.
		evs := assertEvents(t, db, "utilisateur:paul@asp.example", "utilisateur.creer", "utilisateur.lien")
		for _, e := range evs {
			if strings.Contains(e.Details, "jeton-1") || strings.Contains(e.Details, hex.EncodeToString(empreinte("jeton-1"))) {
				t.Errorf("event %s holds the token or its digest: %s", e.Action, e.Details)
			}
		}

		// Sent again: the first link no longer works.
		if _, err := db.CreateInvitation(ctx, demandeLien("paul@asp.example", "jeton-2", segur.LienActivation)); err != nil {
			t.Fatalf("CreateInvitation: %v", err)
		}
		_, _, err = db.FindLienCompte(ctx, empreinte("jeton-1"))
		assertCode(t, err, segur.ENOTFOUND)
		if _, err := db.CreateInvitation(ctx, demandeLien("nobody@asp.example", "jeton-x", segur.LienActivation)); !segur.IsCode(err, segur.ENOTFOUND) {
			t.Errorf("CreateInvitation of an unknown user: got %v, want ENOTFOUND", err)
		}

		// A session of the user (ProConnect) is closed by the password.
		s := newSession(u.ID, "session-paul")
		createSession(t, db, ctx, s)
		_, err = db.UseLienCompte(ctx, empreinte("jeton-1"), "$argon2id$v=19$un")
		assertCode(t, err, segur.ENOTFOUND)
		v, err := db.UseLienCompte(ctx, empreinte("jeton-2"), "$argon2id$v=19$deux")
		if err != nil || v.ID != u.ID || v.MotDePasse != "$argon2id$v=19$deux" {
			t.Fatalf("UseLienCompte: got %+v, %v", v, err)
		}
		if f, err := db.FindUtilisateurByLogin(ctx, "paul@asp.example"); err != nil || f.MotDePasse != "$argon2id$v=19$deux" {
			t.Fatalf("the password after the link: got %+v, %v", f, err)
		}
		_, _, err = db.FindSession(ctx, s.Empreinte)
		assertCode(t, err, segur.ENOTFOUND)
		// Used once: a second use changes nothing.
		_, err = db.UseLienCompte(ctx, empreinte("jeton-2"), "$argon2id$v=19$trois")
		assertCode(t, err, segur.ENOTFOUND)
		if f, _ := db.FindUtilisateurByLogin(ctx, "paul@asp.example"); f.MotDePasse != "$argon2id$v=19$deux" {
			t.Errorf("a used link changed the password")
		}
		// Active: no more invitation.
		_, err = db.CreateInvitation(ctx, demandeLien("paul@asp.example", "jeton-3", segur.LienActivation))
		assertCode(t, err, segur.ECONFLICT)
		if n := nombreLiens(t, db, nil); n != 0 {
			t.Errorf("got %d links left, want none", n)
		}
	})

	t.Run("reset: expiry, unknown address, throttle", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		clock := withSessionClock(db)
		u := sessionUser(t, db, "jeanne@editeur.example")
		demander := func(login, token string) time.Duration {
			t.Helper()
			d, err := db.CreateDemandeReinitialisation(ctx, demandeLien(login, token, segur.LienReinitialisation), clock.Now())
			if err != nil {
				t.Fatalf("CreateDemandeReinitialisation(%s): %v", login, err)
			}
			return d
		}
		if d := demander("Jeanne@Editeur.example", "r-1"); d != 0 {
			t.Fatalf("first request: got a wait of %v", d)
		}
		l, _, err := db.FindLienCompte(ctx, empreinte("r-1"))
		if err != nil || l.Objet != segur.LienReinitialisation || !l.ExpireLe.Equal(stored.Add(time.Hour)) || l.UtilisateurID != u.ID {
			t.Fatalf("FindLienCompte: got %+v, %v; want a reset of an hour", l, err)
		}
		// The request touches nothing else: the password stays.
		if f, _ := db.FindUtilisateurByLogin(ctx, u.Login); f.MotDePasse != u.MotDePasse {
			t.Error("a reset request changed the password")
		}
		// An unknown address: no error, no link, no mail.
		if d := demander("personne@editeur.example", "r-x"); d != 0 {
			t.Fatalf("unknown address: got a wait of %v", d)
		}
		if n, m := nombreLiens(t, db, nil), len(courrielsTotal(t, db)); n != 1 || m != 1 {
			t.Errorf("after an unknown address: got %d links and %d mails, want 1 and 1", n, m)
		}
		// An hour later, the link has expired.
		clock.Advance(time.Hour - time.Microsecond)
		if _, _, err := db.FindLienCompte(ctx, empreinte("r-1")); err != nil {
			t.Fatalf("just before the hour: %v", err)
		}
		clock.Advance(time.Microsecond)
		_, _, err = db.FindLienCompte(ctx, empreinte("r-1"))
		assertCode(t, err, segur.ENOTFOUND)
		_, err = db.UseLienCompte(ctx, empreinte("r-1"), "$argon2id$v=19$x")
		assertCode(t, err, segur.ENOTFOUND)

		// Per login: Max requests in the window, then a wait; nothing
		// mailed while waiting.
		for i := range segur.LimiteReinitialisationLogin.Max {
			if d := demander(u.Login, "r-"+string(rune('a'+i))); d != 0 {
				t.Fatalf("request %d: got a wait of %v", i+1, d)
			}
		}
		avant := len(courrielsTotal(t, db))
		if d := demander(u.Login, "r-trop"); d != 5*time.Minute {
			t.Errorf("one request too many: got a wait of %v, want 5 min", d)
		}
		if n := len(courrielsTotal(t, db)); n != avant {
			t.Errorf("a throttled request queued a mail")
		}
		if n := nombreLiens(t, db, empreinte("r-trop")); n != 0 {
			t.Errorf("a throttled request stored its link")
		}
		// The expired link went as the new ones came; one link is left.
		if n := nombreLiens(t, db, nil); n != 1 {
			t.Errorf("got %d links, want the newest only", n)
		}
	})

	t.Run("agents through ProConnect get no link", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		d := demandeLien("agent@asp.example", "a-1", segur.LienActivation)
		d.AgentsProConnect = true
		u := &segur.Utilisateur{Login: "agent@asp.example", Nom: "Agent", Roles: []segur.Role{segur.RolePayeur}}
		if err := db.CreateUtilisateurInvite(ctx, u, d); err != nil {
			t.Fatal(err)
		}
		cs := courrielsTotal(t, db)
		if n := nombreLiens(t, db, nil); n != 0 || len(cs) != 1 || strings.Contains(cs[0].Corps, "jeton") || !strings.Contains(cs[0].Corps, "ProConnect") {
			t.Errorf("got %d links and the mail %+v; want none and a mail that says ProConnect", n, cs)
		}
	})
}
