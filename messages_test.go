package segur

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTexteMessage(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
		ok             bool
	}{
		{"trimmed", "  Bonjour\r\n", "Bonjour", true},
		{"one character", "a", "a", true},
		{"5 000 characters", strings.Repeat("é", MaxTexteMessage), strings.Repeat("é", MaxTexteMessage), true},
		{"empty", "", "", false},
		{"blank", " \n\t ", "", false},
		{"5 001 characters", strings.Repeat("é", MaxTexteMessage+1), "", false},
		{"not UTF-8", "a\xff", "", false},
		{"NUL", "a\x00b", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TexteMessage(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("got %q, %v; want %q, ok %v", got, err, tt.want, tt.ok)
			}
			if err != nil && !IsCode(err, EINVALID) {
				t.Errorf("got %v, want an EINVALID", err)
			}
		})
	}
	_, err := TexteMessage(strings.Repeat("a", MaxTexteMessage+1))
	if err == nil || !strings.Contains(err.Error(), "au plus 5\u202f000") {
		t.Errorf("got %v, want the bound said", err)
	}
}

func TestNouveauMessage(t *testing.T) {
	sum := strings.Repeat("a", 64)
	f := FichierMessage{Nom: "bdc.pdf", Format: "PDF", Fichier: BlobRef{SHA256: sum, Taille: 10}}
	m, err := NouveauMessage("ASP-2026-0000001", "marie@asp.fr", CoteAgence, " Bonjour ", []FichierMessage{f})
	if err != nil || m.Texte != "Bonjour" || len(m.Fichiers) != 1 {
		t.Fatalf("got %+v, %v", m, err)
	}
	for name, tc := range map[string]struct {
		cote     Cote
		auteur   string
		fichiers []FichierMessage
	}{
		"6 files":      {CoteFournisseur, "jean@editeur.fr", []FichierMessage{f, f, f, f, f, f}},
		"unknown side": {"autre", "jean@editeur.fr", nil},
		"no author":    {CoteAgence, " ", nil},
		"bad format":   {CoteAgence, "marie@asp.fr", []FichierMessage{{Nom: "x.exe", Format: "EXE", Fichier: f.Fichier}}},
		"name, a path": {CoteAgence, "marie@asp.fr", []FichierMessage{{Nom: "../x.pdf", Format: "PDF", Fichier: f.Fichier}}},
		"no blob":      {CoteAgence, "marie@asp.fr", []FichierMessage{{Nom: "x.pdf", Format: "PDF"}}},
	} {
		if _, err := NouveauMessage("ASP-2026-0000001", tc.auteur, tc.cote, "texte", tc.fichiers); !IsCode(err, EINVALID) {
			t.Errorf("%s: got %v, want an EINVALID", name, err)
		}
	}
	if _, err := NouvelleNote("ASP-2026-0000001", "marie@asp.fr", ""); !IsCode(err, EINVALID) {
		t.Errorf("empty note: got %v, want an EINVALID", err)
	}
	if n, err := NouvelleNote("ASP-2026-0000001", "marie@asp.fr", " vu au téléphone "); err != nil || n.Texte != "vu au téléphone" {
		t.Errorf("note: got %+v, %v", n, err)
	}
}

func TestCourrielMessage(t *testing.T) {
	d := &Demande{NumeroASP: "ASP-2026-0000001", Agent: "marie@asp.fr"}
	d.NumeroEditeur = "CMD-42"
	f := &Fournisseur{Nom: "Le Beau Logiciel", Email: "contact@lebeaulogiciel.fr"}
	m := &Message{NumeroASP: d.NumeroASP, Auteur: "marie@asp.fr", Cote: CoteAgence, Texte: "Texte secret du message",
		Fichiers: []FichierMessage{{Nom: "a.pdf"}}}
	c, ok := CourrielMessage(m, d, f, "https://portail.example/")
	if !ok || len(c.A) != 1 || c.A[0] != f.Email || c.Objet != "demande:"+d.NumeroASP || c.PieceNom != "" {
		t.Fatalf("agent's message: got %+v, %v", c, ok)
	}
	for _, want := range []string{"nouveau message", d.NumeroASP} {
		if !strings.Contains(c.Sujet, want) {
			t.Errorf("subject %q: want %q", c.Sujet, want)
		}
	}
	for _, want := range []string{"CMD-42", "https://portail.example/demandes/ASP-2026-0000001\n", "Fichiers joints au message : 1"} {
		if !strings.Contains(c.Corps, want) {
			t.Errorf("body: want %q in\n%s", want, c.Corps)
		}
	}
	if strings.Contains(c.Corps, "secret") {
		t.Errorf("body copies the message's text:\n%s", c.Corps)
	}
	if err := c.Valider(); err != nil {
		t.Errorf("Valider: %v", err)
	}

	m.Cote = CoteFournisseur
	c, ok = CourrielMessage(m, d, f, "https://portail.example")
	if !ok || c.A[0] != "marie@asp.fr" || !strings.Contains(c.Corps, "https://portail.example/agence/demandes/ASP-2026-0000001\n") {
		t.Errorf("vendor's message: got %+v, %v", c, ok)
	}
	d.Agent = ""
	if _, ok := CourrielMessage(m, d, f, ""); ok {
		t.Error("vendor's message, no agent assigned: got a mail, want none")
	}
}

func TestDebitMessages(t *testing.T) {
	now := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)
	il := func(ds ...time.Duration) []time.Time {
		out := make([]time.Time, len(ds))
		for i, d := range ds {
			out[i] = now.Add(-d)
		}
		return out
	}
	serie := func(n int, pas, depuis time.Duration) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = depuis + time.Duration(i)*pas
		}
		return out
	}
	for _, tc := range []struct {
		nom     string
		recents []time.Time
		want    string // "" for accepted
	}{
		{"none", nil, ""},
		{"one under the hour's bound", il(serie(MaxMessagesFournisseurHeure-1, time.Minute, 0)...), ""},
		// 30 in the last hour, the oldest 29 min 30 s ago: it leaves the
		// window in 30 min 30 s, said as 31 minutes.
		{"hour", il(serie(MaxMessagesFournisseurHeure, -time.Minute, 29*time.Minute+30*time.Second)...),
			"Trop de messages : votre entreprise en a envoyé 30 à l'agence dans la dernière heure, au plus 30. Vous pourrez écrire de nouveau dans 31 minutes."},
		// Older than an hour do not count for the hour.
		{"hour passed", il(serie(MaxMessagesFournisseurHeure, time.Minute, time.Hour)...), ""},
		// 200 over the day, none in the last hour: the day's bound, the
		// oldest leaving the window in 2 h 05.
		{"day", il(serie(MaxMessagesFournisseurJour, -5*time.Minute, 21*time.Hour+55*time.Minute)...),
			"Trop de messages : votre entreprise en a envoyé 200 à l'agence dans les dernières 24 heures, au plus 200. Vous pourrez écrire de nouveau dans 2 h 05."},
		{"last second", il(serie(MaxMessagesFournisseurHeure, time.Second, time.Hour-time.Duration(MaxMessagesFournisseurHeure)*time.Second)...),
			"Trop de messages : votre entreprise en a envoyé 30 à l'agence dans la dernière heure, au plus 30. Vous pourrez écrire de nouveau dans 1 minute."},
	} {
		err := DebitMessages(tc.recents, now)
		var se *Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want accepted", tc.nom, err)
		case tc.want != "" && (!errors.As(err, &se) || se.Code != ETOOMANY || se.Message != tc.want):
			t.Errorf("%s: got %v\nwant %s", tc.nom, err, tc.want)
		}
	}
}
