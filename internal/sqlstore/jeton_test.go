package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segur-numerique/segur"
)

// runJetonsSuite tests what the vendors' tokens (jetons) and the agents'
// (jetons_agents) share, on the stores of runSuite: the same French
// errors, and audit events of the same shape, byte for byte, but for the
// event's prefix and the owner's key.
func runJetonsSuite(t *testing.T, open func(t *testing.T) *DB) {
	t.Run("tokens of both tables", func(t *testing.T) {
		t.Parallel()
		db, ctx := open(t), testContext(t)
		jeanne := sessionUser(t, db, "jeanne@editeur.example")
		paul := agent(t, db, "paul@asp.fr", segur.RoleInstructeur)
		agent(t, db, "admin@asp.fr", segur.RoleAdmin)
		for _, c := range []struct {
			nom        string
			action     string // the events' prefix
			proprio    string // the owner's key and value in the events
			jeton      func(nom string) *segur.Jeton
			creer      func(*segur.Jeton) error
			trouver    func([]byte) (*segur.Jeton, error)
			lister     func() ([]segur.Jeton, error)
			toucher    func(segur.JetonID, time.Time) error
			renouveler func(segur.JetonID) (*segur.Jeton, error)
			revoquer   func(segur.JetonID) error
			titulaire  *segur.Utilisateur // disabling it revokes its tokens
		}{{
			nom: "vendors'", action: "jeton", proprio: fmt.Sprintf(`"fournisseur_id":%d`, jeanne.FournisseurID),
			jeton: func(nom string) *segur.Jeton {
				return &segur.Jeton{FournisseurID: jeanne.FournisseurID, UtilisateurID: jeanne.ID, Empreinte: empreinte(nom), Prefixe: "sgr_" + nom}
			},
			creer:      func(j *segur.Jeton) error { return db.CreateJeton(ctx, j) },
			trouver:    func(e []byte) (*segur.Jeton, error) { return db.FindJetonByEmpreinte(ctx, e) },
			lister:     func() ([]segur.Jeton, error) { return db.FindJetons(ctx, jeanne.FournisseurID) },
			toucher:    func(id segur.JetonID, at time.Time) error { return db.TouchJeton(ctx, id, at) },
			renouveler: func(id segur.JetonID) (*segur.Jeton, error) { return db.RenewJeton(ctx, id) },
			revoquer:   func(id segur.JetonID) error { return db.RevokeJeton(ctx, id) },
			titulaire:  jeanne,
		}, {
			nom: "agents'", action: "jeton_agent", proprio: fmt.Sprintf(`"utilisateur_id":%d`, paul.ID),
			jeton: func(nom string) *segur.Jeton {
				return &segur.Jeton{UtilisateurID: paul.ID, Empreinte: empreinte(nom), Prefixe: "sga_" + nom}
			},
			creer:      func(j *segur.Jeton) error { return db.CreateJetonAgent(ctx, j) },
			trouver:    func(e []byte) (*segur.Jeton, error) { return db.FindJetonAgentByEmpreinte(ctx, e) },
			lister:     func() ([]segur.Jeton, error) { return db.FindJetonsAgent(ctx, paul.ID) },
			toucher:    func(id segur.JetonID, at time.Time) error { return db.TouchJetonAgent(ctx, id, at) },
			renouveler: func(id segur.JetonID) (*segur.Jeton, error) { return db.RenewJetonAgent(ctx, id) },
			revoquer:   func(id segur.JetonID) error { return db.RevokeJetonAgent(ctx, id) },
			titulaire:  paul,
		}} {
			t.Run(c.nom, func(t *testing.T) {
				j := c.jeton("un")
				if err := c.creer(j); err != nil {
					t.Fatal(err)
				}
				if _, err := c.renouveler(j.ID); err != nil {
					t.Fatal(err)
				}
				for range 2 {
					if err := c.revoquer(j.ID); err != nil {
						t.Fatal(err)
					}
				}
				k := c.jeton("deux")
				if err := c.creer(k); err != nil {
					t.Fatal(err)
				}
				if got, err := c.trouver(k.Empreinte); err != nil || got.ID != k.ID || got.Prefixe != k.Prefixe || !got.ExpireLe.Equal(k.ExpireLe) {
					t.Errorf("find by digest: got %+v, %v; want %+v", got, err, k)
				}
				if _, err := db.DesactiverUtilisateur(segur.WithActeur(ctx, segur.Acteur{Login: "admin@asp.fr"}), c.titulaire.ID); err != nil {
					t.Fatal(err)
				}
				const expire, maintenant = `"2027-03-01T09:00:00.123456Z"`, `"2026-03-01T09:00:00.123456Z"`
				for objet, want := range map[string][]string{
					"jeton:" + j.Prefixe: {
						c.action + ".creer " + fmt.Sprintf(`{"id":%d,%s,"prefixe":%q,"expire_le":%s}`, j.ID, c.proprio, j.Prefixe, expire),
						c.action + ".renouveler " + fmt.Sprintf(`{"id":%d,%s,"expirait_le":%s,"expire_le":%s}`, j.ID, c.proprio, expire, expire),
						c.action + ".revoquer " + fmt.Sprintf(`{"id":%d,%s,"revoque_le":%s}`, j.ID, c.proprio, maintenant),
					},
					"jeton:" + k.Prefixe: {
						c.action + ".creer " + fmt.Sprintf(`{"id":%d,%s,"prefixe":%q,"expire_le":%s}`, k.ID, c.proprio, k.Prefixe, expire),
						c.action + ".revoquer " + fmt.Sprintf(`{"id":%d,%s,"revoque_le":%s,"raison":"utilisateur %s désactivé"}`, k.ID, c.proprio, maintenant, c.titulaire.Login),
					},
				} {
					evs, err := db.FindEvenements(context.Background(), objet)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, e := range evs {
						got = append(got, e.Action+" "+e.Details)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("events of %s:\ngot  %q\nwant %q", objet, got, want)
					}
				}
				js, err := c.lister()
				if err != nil || len(js) != 2 || js[0].ID != j.ID || js[1].ID != k.ID || js[0].RevoqueLe.IsZero() || js[1].RevoqueLe.IsZero() {
					t.Errorf("tokens: got %+v, %v; want %d and %d, revoked", js, err, j.ID, k.ID)
				}
				for _, e := range []struct {
					nom     string
					err     error
					code    segur.ErrorCode
					message string
				}{
					{"unknown digest", func() error { _, err := c.trouver(empreinte("aucun")); return err }(), segur.ENOTFOUND, "jeton inconnu"},
					{"touch unknown", c.toucher(999999, stored), segur.ENOTFOUND, "jeton n° 999999 introuvable"},
					{"renew unknown", func() error { _, err := c.renouveler(999999); return err }(), segur.ENOTFOUND, "jeton n° 999999 introuvable"},
					{"revoke unknown", c.revoquer(999999), segur.ENOTFOUND, "jeton n° 999999 introuvable"},
					{"renew revoked", func() error { _, err := c.renouveler(j.ID); return err }(), segur.ECONFLICT,
						"le jeton " + j.Prefixe + "… est révoqué : il ne se renouvelle pas\u202f; créez-en un autre"},
					{"disabled holder", c.creer(c.jeton("trois")), segur.EFORBIDDEN, segur.MsgCompteDesactive},
				} {
					if !segur.IsCode(e.err, e.code) || e.err.Error() != e.message {
						t.Errorf("%s: got %v, want %s %q", e.nom, e.err, e.code, e.message)
					}
				}
			})
		}
		// What tells the tables apart: a vendor must exist, an agent's
		// token is for an agent and found by its number (segur admin
		// agent-token revoke); both refuse a digest stored or malformed.
		ava := agent(t, db, "ava@asp.fr", segur.RolePayeur)
		a := &segur.Jeton{UtilisateurID: ava.ID, Empreinte: empreinte("ava"), Prefixe: "sga_ava"}
		if err := db.CreateJetonAgent(ctx, a); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindJetonAgentByID(ctx, a.ID); err != nil || got.UtilisateurID != ava.ID || got.Prefixe != "sga_ava" || got.FournisseurID != 0 || !got.RevoqueLe.IsZero() {
			t.Errorf("FindJetonAgentByID: got %+v, %v; want ava's token", got, err)
		}
		_, err := db.FindJetonAgentByID(ctx, 999999)
		for _, e := range []struct {
			nom     string
			err     error
			code    segur.ErrorCode
			message string
		}{
			{"unknown vendor", db.CreateJeton(ctx, &segur.Jeton{FournisseurID: 999999, Empreinte: empreinte("x"), Prefixe: "sgr_x"}),
				segur.ENOTFOUND, "fournisseur n° 999999 introuvable"},
			{"vendor's digest twice", db.CreateJeton(ctx, &segur.Jeton{FournisseurID: jeanne.FournisseurID, Empreinte: empreinte("un"), Prefixe: "sgr_y"}),
				segur.ECONFLICT, "ce jeton existe déjà"},
			{"vendor's short digest", db.CreateJeton(ctx, &segur.Jeton{FournisseurID: jeanne.FournisseurID, Empreinte: []byte("court"), Prefixe: "sgr_z"}),
				segur.EINVALID, "jeton refusé : attendu une empreinte SHA-256 de 32 octets"},
			{"agent's digest twice", db.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: ava.ID, Empreinte: empreinte("un"), Prefixe: "sga_y"}),
				segur.ECONFLICT, "ce jeton existe déjà"},
			{"agent's short digest", db.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: ava.ID, Empreinte: []byte("court"), Prefixe: "sga_z"}),
				segur.EINVALID, "jeton refusé : attendu une empreinte SHA-256 de 32 octets"},
			{"agent's token of a vendor's user", db.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: sessionUserOf(t, db, jeanne.FournisseurID, "marc@editeur.example").ID,
				Empreinte: empreinte("marc"), Prefixe: "sga_m"}), segur.EFORBIDDEN, "seuls les agents de l'agence ont des jetons d'agent"},
			{"agent's token of nobody", db.CreateJetonAgent(ctx, &segur.Jeton{UtilisateurID: 999999, Empreinte: empreinte("nul"), Prefixe: "sga_n"}),
				segur.ENOTFOUND, "utilisateur n° 999999 introuvable"},
			{"agent's token of another number", err, segur.ENOTFOUND, "jeton d'agent n° 999999 introuvable"},
		} {
			if !segur.IsCode(e.err, e.code) || e.err.Error() != e.message {
				t.Errorf("%s: got %v, want %s %q", e.nom, e.err, e.code, e.message)
			}
		}
	})
}

// sessionUserOf creates a user of vendor f.
func sessionUserOf(t testing.TB, db *DB, f segur.FournisseurID, login string) *segur.Utilisateur {
	t.Helper()
	u := &segur.Utilisateur{Login: login, Nom: "Marc Durand", Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f, MotDePasse: "$argon2id$v=19$hash"}
	if err := db.CreateUtilisateur(segur.WithActeur(context.Background(), acteur), u); err != nil {
		t.Fatalf("CreateUtilisateur: %v", err)
	}
	return u
}
