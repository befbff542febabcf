package segur

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segur-numerique/segur/hop"
)

var (
	instructeur = []Role{RoleInstructeur}
	vendeur     = []Role{RoleFournisseur}
	admin       = []Role{RoleAdmin}
)

// machine is the state machine as process.md tells it, written apart from
// the tables it checks: for each status and action that is allowed, the
// one role that takes it, whether a reason is mandatory, and the status it
// leads to with a démarche of 13 750,00\u202f€ financed and, for a balance, of
// 9 625,00\u202f€ to pay. Every other status and action is refused.
var machine = map[string]struct {
	role   Role
	raison bool
	vers   StatutDemande
}{
	"deposee/prendre":                    {RoleInstructeur, false, DemandeEnInstruction},
	"en_instruction/demander":            {RoleInstructeur, true, DemandeACompleter},
	"en_instruction/refuser":             {RoleInstructeur, true, DemandeRefusee},
	"en_instruction/valider":             {RoleInstructeur, false, DemandeDecidee},
	"a_completer/completer":              {RoleFournisseur, false, DemandeEnInstruction},
	"decidee/payer_avance":               {RolePayeur, false, DemandeAvancePayee},
	"convention_a_signer/signer":         {RoleFournisseur, false, DemandeConventionSignee},
	"convention_a_signer/retirer":        {RoleInstructeur, true, DemandeRefusee},
	"convention_signee/payer_avance":     {RolePayeur, false, DemandeAvancePayee},
	"refusee/rouvrir":                    {RoleAdmin, true, DemandeEnInstruction},
	"avance_payee/deposer_solde":         {RoleFournisseur, false, DemandeSoldeDeposee},
	"avance_payee/reverser":              {RoleInstructeur, true, DemandeReversementOrdonne},
	"solde_deposee/prendre_solde":        {RoleInstructeur, false, DemandeSoldeEnInstruction},
	"solde_deposee/reverser":             {RoleInstructeur, true, DemandeReversementOrdonne},
	"solde_en_instruction/refuser_solde": {RoleInstructeur, true, DemandeSoldeRefusee},
	"solde_en_instruction/valider_solde": {RoleInstructeur, false, DemandeSoldeValidee},
	"solde_en_instruction/reverser":      {RoleInstructeur, true, DemandeReversementOrdonne},
	"solde_refusee/deposer_solde":        {RoleFournisseur, false, DemandeSoldeDeposee},
	"solde_refusee/reverser":             {RoleInstructeur, true, DemandeReversementOrdonne},
	"solde_validee/payer_solde":          {RolePayeur, false, DemandeSoldee},
	"solde_validee/reverser":             {RoleInstructeur, true, DemandeReversementOrdonne},
	"soldee/reverser":                    {RoleInstructeur, true, DemandeReversementOrdonne},
}

// TestTransitions tries every action from every status (14 × 15), with
// each role alone, with every role, and without a reason: only what
// machine allows passes, by its role, to its status.
func TestTransitions(t *testing.T) {
	if n := len(Statuts(nil)); n != 14 {
		t.Fatalf("got %d statuses, want the 14 machine knows: update machine with the tables", n)
	}
	if n := len(ToutesActions()); n != 15 {
		t.Fatalf("got %d actions, want the 15 machine knows: update machine with the tables", n)
	}
	tous := []Role{RoleFournisseur, RoleInstructeur, RolePayeur, RoleAdmin}
	vus := 0
	for _, st := range Statuts(nil) {
		for _, a := range ToutesActions() {
			key := fmt.Sprintf("%s/%s", st, a)
			want, ok := machine[key]
			if ok {
				vus++
			}
			t.Run(key, func(t *testing.T) {
				essai := func(roles []Role, raison string) (*Demande, Changement, error) {
					d := &Demande{Statut: st}
					c, err := d.Appliquer(Demarche{Action: a, Roles: roles, Login: "x", Raison: raison,
						MontantFinance: 13_750_00, SoldeAPayer: 9_625_00}, time.Now(), ProgrammeParDefaut)
					return d, c, err
				}
				refus := func(d *Demande, err error, code ErrorCode, why string) {
					t.Helper()
					var se *Error
					if !errors.As(err, &se) || se.Code != code || d.Statut != st {
						t.Errorf("%s: got %v (status %s), want %s and no change", why, err, d.Statut, code)
					}
				}
				if !ok {
					d, _, err := essai(tous, "motif")
					refus(d, err, EFORBIDDEN, "not in the machine")
					return
				}
				for _, r := range tous {
					d, c, err := essai([]Role{r}, "motif")
					if r != want.role {
						refus(d, err, EFORBIDDEN, "role "+string(r))
						continue
					}
					if err != nil || d.Statut != want.vers || c.De != st || c.Vers != want.vers || c.Action != a || c.Raison != "motif" {
						t.Errorf("role %s: got %v, %+v, status %s; want %s", r, err, c, d.Statut, want.vers)
					}
				}
				d, _, err := essai([]Role{want.role}, " ")
				if want.raison {
					refus(d, err, EINVALID, "no reason")
				} else if err != nil {
					t.Errorf("no reason: got %v, want none needed", err)
				}
				if got := RaisonRequise(st, a); got != want.raison {
					t.Errorf("RaisonRequise: got %v, want %v", got, want.raison)
				}
				if got := a.Role(); got != want.role {
					t.Errorf("Role: got %s, want %s", got, want.role)
				}
			})
		}
	}
	if vus != len(machine) {
		t.Errorf("machine names %d transitions of unknown statuses or actions", len(machine)-vus)
	}
}

// TestMachineCommeLesTables: Appliquer, Actions and Prevoir behave as the
// tables say, for every status, action and set of roles, and the tables
// hold together: every status is labelled and reached, every action is
// labelled and taken, the rows of one status and action agree, and their
// conditions cover the démarches.
func TestMachineCommeLesTables(t *testing.T) {
	roles := []Role{RoleFournisseur, RoleInstructeur, RolePayeur, RoleAdmin}
	atteints := map[StatutDemande]bool{DemandeDeposee: true}
	prises := map[Action]bool{}
	for _, tr := range Transitions() {
		atteints[tr.Vers] = true
		prises[tr.Action] = true
		if len(tr.De) == 0 || tr.Vers.Info().Libelle == string(tr.Vers) {
			t.Errorf("transition %s to %s: no source or an unknown target", tr.Action, tr.Vers)
		}
	}
	for _, i := range statuts {
		if i.Libelle == "" || i.Libelle == string(i.Statut) || i.Badge == "" {
			t.Errorf("status %s: label %q, badge %q", i.Statut, i.Libelle, i.Badge)
		}
		if !atteints[i.Statut] {
			t.Errorf("status %s: no transition leads to it", i.Statut)
		}
		if i.AvancePayee && !i.Finance || i.Controlable && !i.AvancePayee || i.SoldePaye && !i.SoldeArrete ||
			i.Soldable && i.SoldeEngage || i.Soldable && !i.AvancePayee {
			t.Errorf("status %s: flags that contradict each other: %+v", i.Statut, i)
		}
	}
	for _, a := range actions {
		if a.Libelle == "" || a.Libelle == string(a.Action) || !prises[a.Action] {
			t.Errorf("action %s: label %q, taken by a transition: %v", a.Action, a.Libelle, prises[a.Action])
		}
	}
	// Démarches that take each condition's branch.
	demarches := []Demarche{
		{MontantFinance: 1, SoldeAPayer: 1},
		{MontantFinance: ProgrammeParDefaut.SeuilConvention + 1},
		{MontantFinance: 1, ARecouvrer: 1},
	}
	for _, st := range Statuts(nil) {
		for _, a := range ToutesActions() {
			rows := chemins(st, a)
			for _, r := range rows[min(1, len(rows)):] {
				if r.Role != rows[0].Role || r.Raison != rows[0].Raison || r.Enregistrement != rows[0].Enregistrement {
					t.Errorf("%s/%s: rows disagree on role, reason or records", st, a)
				}
			}
			for k := range 1 << len(roles) {
				var rs []Role
				for j, r := range roles {
					if k&(1<<j) != 0 {
						rs = append(rs, r)
					}
				}
				permis := len(rows) > 0 && slices.Contains(rs, rows[0].Role)
				if got := slices.Contains(Actions(st, rs), a); got != permis {
					t.Errorf("%s/%s roles %v: Actions has it %v, want %v", st, a, rs, got, permis)
				}
				for _, m := range demarches {
					m.Action, m.Roles, m.Raison = a, rs, "motif"
					d := &Demande{Statut: st}
					c, tr, err := d.Prevoir(m, time.Now(), ProgrammeParDefaut)
					if d.Statut != st {
						t.Fatalf("%s/%s: Prevoir moved the request", st, a)
					}
					if !permis {
						if err == nil {
							t.Errorf("%s/%s roles %v: got %s, want a refusal", st, a, rs, c.Vers)
						}
						continue
					}
					if err != nil || tr == nil || !slices.Contains(rows, tr) || c.Vers != tr.Vers || tr.Si != nil && !tr.Si(m, ProgrammeParDefaut) {
						t.Errorf("%s/%s roles %v %+v: got %v, %v; want a row of the table whose condition holds", st, a, rs, m, err, c.Vers)
					}
				}
			}
		}
	}
}

func TestTransitionsGardes(t *testing.T) {
	p := ProgrammeParDefaut
	cases := []struct {
		name   string
		statut StatutDemande
		m      Demarche
		code   ErrorCode
		vers   StatutDemande
	}{
		{"un fournisseur ne prend pas", DemandeDeposee, Demarche{Action: ActionPrendre, Roles: vendeur}, EFORBIDDEN, ""},
		{"refus sans raison", DemandeEnInstruction, Demarche{Action: ActionRefuser, Roles: instructeur, Raison: "  "}, EINVALID, ""},
		{"complément sans raison", DemandeEnInstruction, Demarche{Action: ActionCompleter, Roles: instructeur}, EINVALID, ""},
		{"validation sans montant", DemandeEnInstruction, Demarche{Action: ActionValider, Roles: instructeur}, EINVALID, ""},
		{"23 000,00\u202f€ : décision", DemandeEnInstruction, Demarche{Action: ActionValider, Roles: instructeur, MontantFinance: 23_000_00}, "", DemandeDecidee},
		{"23 000,01\u202f€ : convention", DemandeEnInstruction, Demarche{Action: ActionValider, Roles: instructeur, MontantFinance: 23_000_01}, "", DemandeConventionASigner},
		{"un instructeur ne signe pas", DemandeConventionASigner, Demarche{Action: ActionSigner, Roles: instructeur}, EFORBIDDEN, ""},
		{"le fournisseur signe", DemandeConventionASigner, Demarche{Action: ActionSigner, Roles: vendeur}, "", DemandeConventionSignee},
		{"un instructeur ne rouvre pas", DemandeRefusee, Demarche{Action: ActionRouvrir, Roles: instructeur, Raison: "erreur"}, EFORBIDDEN, ""},
		{"réouverture après paiement", DemandeRefusee, Demarche{Action: ActionRouvrir, Roles: admin, Raison: "erreur", PaiementFait: true}, EFORBIDDEN, ""},
		{"plusieurs rôles", DemandeRefusee, Demarche{Action: ActionRouvrir, Roles: []Role{RoleInstructeur, RoleAdmin}, Raison: "erreur"}, "", DemandeEnInstruction},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := &Demande{Statut: c.statut}
			_, err := d.Appliquer(c.m, time.Now(), p)
			if c.code != "" {
				var se *Error
				if !errors.As(err, &se) || se.Code != c.code || d.Statut != c.statut {
					t.Errorf("got %v, want %s and no change", err, c.code)
				}
				return
			}
			if err != nil || d.Statut != c.vers {
				t.Errorf("got %v, status %s; want %s", err, d.Statut, c.vers)
			}
		})
	}
}

func TestMontants(t *testing.T) {
	p := ProgrammeParDefaut
	cases := []struct {
		name     string
		regime   string
		ht       int64
		plafonds []int64
		finance  int64
		avance   int64
	}{
		{"HT sans référentiel", "HT", 1375000, nil, 1375000, 412500},
		{"TTC : + 20 %", "TTC", 1000000, nil, 1200000, 360000},
		{"TTC arrondi au centime", "TTC", 1, nil, 1, 0},
		{"TTC 0,03\u202f€ : 0,036 → 0,04", "TTC", 3, nil, 4, 1},
		{"plafonds HT", "HT", 1375000, []int64{500000, 400000}, 900000, 270000},
		{"plafonds au-dessus", "HT", 1375000, []int64{1000000, 1000000}, 1375000, 412500},
		{"plafonds TTC comparés TTC", "TTC", 1000000, []int64{500000, 400000}, 1080000, 324000},
		{"avance arrondie : 30 % de 0,05\u202f€", "HT", 5, nil, 5, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := MontantFinance(c.regime, c.ht, c.plafonds, p)
			if f != c.finance || Avance(f) != c.avance {
				t.Errorf("got financed %d, advance %d; want %d, %d", f, Avance(f), c.finance, c.avance)
			}
		})
	}
	if pay, rec := Solde(1375000, 1400000, 412500); pay != 962500 || rec != 0 {
		t.Errorf("balance: got %d %d", pay, rec)
	}
	if pay, rec := Solde(1375000, 300000, 412500); pay != 0 || rec != 112500 {
		t.Errorf("negative balance: got %d %d, want 0 and 112500 to recover", pay, rec)
	}
	if got := Euros(1375000); got != "13\u202f750,00\u202f€" {
		t.Errorf("got %q", got)
	}
}

func TestCalculFinancement(t *testing.T) {
	res := controler(t, exemple(t), depotExemple(), hop.Options{})
	d := &Demande{NumeroASP: "ASP-1", Logiciel: hop.LogicielRI, DonneesDemande: res.Donnees(0)}
	ref := ReferenceDemo() // RI ceilings 30 000 + 10 000 + 10 000 €
	for _, c := range []struct {
		regime  string
		ht      int64
		ref     Reference
		finance int64
		texte   []string
	}{
		{"HT", 13_750_00, ref, 13_750_00, []string{"13\u202f750,00\u202f€ HT", "régime HT", "999999999 30\u202f000,00\u202f€", "soit 50\u202f000,00\u202f€ HT", "montant financé : 13\u202f750,00\u202f€", "avance de 30 % : 4\u202f125,00\u202f€"}},
		{"TTC", 13_750_00, ref, 16_500_00, []string{"régime TTC", "prestation 16\u202f500,00\u202f€ TTC", "(60\u202f000,00\u202f€ TTC)", "montant financé : 16\u202f500,00\u202f€"}},
		{"HT", 60_000_00, ref, 50_000_00, []string{"montant financé : 50\u202f000,00\u202f€ (ramené au plafond)"}},
		{"HT", 60_000_00, Reference{}, 60_000_00, []string{"absent du référentiel : aucun plafond ne s'applique"}},
		{"HT", 23_000_01, nil, 23_000_01, []string{"montant financé : 23\u202f000,01\u202f€"}},
	} {
		d.RegimeTVA, d.MontantHTCents = c.regime, c.ht
		got, texte := CalculFinancement(d, c.ref, ProgrammeParDefaut)
		if got != c.finance {
			t.Errorf("%s %d: got %d, want %d", c.regime, c.ht, got, c.finance)
		}
		for _, w := range c.texte {
			if !strings.Contains(texte, w) {
				t.Errorf("%s %d: calculation %q lacks %q", c.regime, c.ht, texte, w)
			}
		}
	}
}

func TestActionsEtLibelles(t *testing.T) {
	inst := []Role{RoleInstructeur}
	if got := Actions(DemandeEnInstruction, inst); !slices.Equal(got, []Action{ActionCompleter, ActionRefuser, ActionValider}) {
		t.Errorf("en instruction: got %v", got)
	}
	if got := Actions(DemandeRefusee, inst); len(got) != 0 {
		t.Errorf("refused, instructor: got %v, want none (reopening is an admin's)", got)
	}
	if got := Actions(DemandeRefusee, []Role{RoleInstructeur, RoleAdmin}); !slices.Equal(got, []Action{ActionRouvrir}) {
		t.Errorf("refused, instructor and admin: got %v", got)
	}
	for _, s := range Statuts(nil) {
		if s.Libelle() == string(s) {
			t.Errorf("status %s has no label", s)
		}
	}
	if got := ReferenceDocument("ASP-2026-0000001", DocumentConvention, 2); got != "ASP-2026-0000001-CONV-2" {
		t.Errorf("got %s", got)
	}
}

func TestCycleDuSolde(t *testing.T) {
	payeur := []Role{RolePayeur}
	at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	d := &Demande{Statut: DemandeDecidee}
	for _, s := range []struct {
		m    Demarche
		vers StatutDemande
	}{
		{Demarche{Action: ActionPayerAvance, Roles: payeur}, DemandeAvancePayee},
		{Demarche{Action: ActionDeposerSolde, Roles: vendeur}, DemandeSoldeDeposee},
		{Demarche{Action: ActionPrendreSolde, Roles: instructeur}, DemandeSoldeEnInstruction},
		{Demarche{Action: ActionRefuserSolde, Roles: instructeur, Raison: "facture illisible"}, DemandeSoldeRefusee},
		{Demarche{Action: ActionDeposerSolde, Roles: vendeur}, DemandeSoldeDeposee},
		{Demarche{Action: ActionPrendreSolde, Roles: instructeur}, DemandeSoldeEnInstruction},
		{Demarche{Action: ActionValiderSolde, Roles: instructeur, SoldeAPayer: 962_500}, DemandeSoldeValidee},
		{Demarche{Action: ActionPayerSolde, Roles: payeur}, DemandeSoldee},
		{Demarche{Action: ActionReverser, Roles: instructeur, Raison: "contrôle : prestation non livrée"}, DemandeReversementOrdonne},
	} {
		if c, err := d.Appliquer(s.m, at, ProgrammeParDefaut); err != nil || c.Vers != s.vers {
			t.Fatalf("%s: got %+v %v, want %s", s.m.Action, c, err, s.vers)
		}
	}
	// A balance of 0 settles at once; an amount to recover orders it.
	for _, c := range []struct {
		payer, recouvrer int64
		vers             StatutDemande
		err              bool
	}{{0, 0, DemandeSoldee, false}, {0, 1_00, DemandeReversementOrdonne, false}, {1_00, 1_00, "", true}, {-1, 0, "", true}} {
		d := &Demande{Statut: DemandeSoldeEnInstruction}
		got, err := d.Appliquer(Demarche{Action: ActionValiderSolde, Roles: instructeur, SoldeAPayer: c.payer, ARecouvrer: c.recouvrer}, at, ProgrammeParDefaut)
		if (err != nil) != c.err || err == nil && got.Vers != c.vers {
			t.Errorf("payer %d, recouvrer %d: got %+v %v", c.payer, c.recouvrer, got, err)
		}
	}
	// Not paid twice, not by an instructor.
	d = &Demande{Statut: DemandeAvancePayee}
	if _, err := d.Appliquer(Demarche{Action: ActionPayerAvance, Roles: payeur}, at, ProgrammeParDefaut); !IsCode(err, EFORBIDDEN) {
		t.Errorf("advance paid twice: got %v", err)
	}
	d = &Demande{Statut: DemandeDecidee}
	if _, err := d.Appliquer(Demarche{Action: ActionPayerAvance, Roles: instructeur}, at, ProgrammeParDefaut); !IsCode(err, EFORBIDDEN) {
		t.Errorf("advance paid by an instructor: got %v", err)
	}
}

func TestRoleDeLAction(t *testing.T) {
	for a, want := range map[Action]Role{ActionPrendre: RoleInstructeur, ActionComplete: RoleFournisseur, ActionSigner: RoleFournisseur,
		ActionDeposerSolde: RoleFournisseur, ActionPayerAvance: RolePayeur, ActionRouvrir: RoleAdmin} {
		if got := a.Role(); got != want {
			t.Errorf("%s: got %s, want %s", a, got, want)
		}
	}
}
