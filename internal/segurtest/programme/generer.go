package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
	"github.com/segur-numerique/segur/internal/auth"
	"github.com/segur-numerique/segur/internal/blob"
	"github.com/segur-numerique/segur/internal/sqlstore"
)

// MotDePasse is every generated account's password.
const MotDePasse = "programme-segur-2026"

// Options says what programme to generate, and where.
type Options struct {
	Base     string // a folder (SQLite) or a postgres:// URL
	Donnees  string // the folder of the stored files, for PostgreSQL
	Demandes int
	Graine   uint64
	// Jusquau is the programme's last day (midnight, Europe/Paris); zero:
	// today.
	Jusquau time.Time
	// Fournisseurs is the number of vendors; 0: 300, fewer for a small
	// programme.
	Fournisseurs int
}

// Echantillons is what the generator writes beside the base for the
// benchmark: values to request, and what the base holds.
type Echantillons struct {
	Fichier      string `json:"-"`
	Demandes     int    `json:"demandes"`
	Depots       int    `json:"depots"`
	Fournisseurs int    `json:"fournisseurs"`
	// FINESS is an establishment of a generated request; Fragment a part
	// of a vendor's name that several vendors share; ASP a request with
	// history and messages (a completion asked and answered).
	FINESS   string `json:"finess"`
	Fragment string `json:"fragment"`
	ASP      string `json:"asp"`
	// Instructeur is a login of an instructor (password MotDePasse).
	Instructeur string `json:"instructeur"`
	MotDePasse  string `json:"motDePasse"`
	// Statuts counts the requests by status, Alertes the requests by the
	// alert generated on them.
	Statuts map[segur.StatutDemande]int `json:"statuts"`
	Alertes map[string]int              `json:"alertes"`
}

func paris() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err) // time/tzdata is not linked: the system's zoneinfo is required
	}
	return l
}

// horloge is the store's clock: the generator sets the time of what it
// writes.
type horloge struct{ t time.Time }

func (h *horloge) now() time.Time { return h.t }

// generateur holds a programme being generated.
type generateur struct {
	o      Options
	rng    *rand.Rand
	paris  *time.Location
	db     *sqlstore.DB
	blobs  segur.Blobs
	h      *horloge
	log    io.Writer
	prog   segur.Programme
	debut  time.Time
	fin    time.Time
	ref    segur.Reference
	libres map[hop.Logiciel][]string // the reference's FINESS no request used yet, per software type
	petits []string                  // FINESS with low ceilings (amount above ceilings)
	hors   int                       // FINESS outside the reference given so far
	// finances: FINESS already financed by a validated request, per
	// software type, in the order of the deposits (« déjà financé »).
	finances map[hop.Logiciel][]string
	agents   []agent
	piece    segur.BlobRef // the one PDF every later attachment and document is
	hash     string        // of MotDePasse, shared by every account
	aspRang  int           // how well e.ASP fits (instruire)
	e        Echantillons
}

type agent struct {
	login string
	roles []segur.Role
}

type fournisseur struct {
	f        *segur.Fournisseur
	login    string
	produits []*segur.Produit
	numero   int // the vendor's numeroEditeur sequence
	poids    float64
}

// Generer fills the base of o with a programme, and writes the samples
// file; it refuses a base that already holds a vendor.
func Generer(ctx context.Context, o Options, log io.Writer) (*Echantillons, error) {
	if o.Demandes < 1 || o.Demandes > 1_000_000 {
		return nil, fmt.Errorf("-demandes %d : attendu un nombre de 1 à 1 000 000", o.Demandes)
	}
	url, dossier := o.Base, o.Base
	switch {
	case o.Base == "":
		return nil, fmt.Errorf("-base manquant : attendu un dossier (base SQLite) ou postgres://…")
	case strings.HasPrefix(o.Base, "postgres://"), strings.HasPrefix(o.Base, "postgresql://"):
		if o.Donnees == "" {
			return nil, fmt.Errorf("-donnees manquant : avec une base PostgreSQL, attendu le dossier des fichiers déposés (segur serve --data)")
		}
		dossier = o.Donnees
	default:
		if o.Donnees != "" && o.Donnees != o.Base {
			return nil, fmt.Errorf("-donnees : inutile avec une base SQLite, dont les fichiers sont dans le dossier -base")
		}
		url = "sqlite://" + filepath.Join(o.Base, "segur.db")
	}
	if err := os.MkdirAll(dossier, 0o700); err != nil {
		return nil, fmt.Errorf("dossier « %s » : %v", dossier, err)
	}
	g := &generateur{o: o, rng: rand.New(rand.NewPCG(o.Graine, 0x5e6a2026)), paris: paris(), h: &horloge{}, log: log,
		prog: segur.ProgrammeParDefaut, finances: map[hop.Logiciel][]string{}, libres: map[hop.Logiciel][]string{}}
	g.fin = o.Jusquau
	if g.fin.IsZero() {
		y, m, d := time.Now().In(g.paris).Date()
		g.fin = time.Date(y, m, d, 0, 0, 0, 0, g.paris)
	}
	g.debut = g.fin.AddDate(0, -18, 0)
	g.h.t = g.debut.Add(-24 * time.Hour)
	db, err := sqlstore.Open(ctx, url, g.h.now)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	g.db = db
	if fs, err := db.FindFournisseurs(ctx); err != nil {
		return nil, err
	} else if len(fs) > 0 {
		return nil, fmt.Errorf("base non vide : %d fournisseurs y sont déjà ; le générateur ne remplit qu'une base neuve (un autre -base, ou une base PostgreSQL vide)", len(fs))
	}
	if g.blobs, err = blob.NewDir(filepath.Join(dossier, "blobs")); err != nil {
		return nil, err
	}
	ctx = segur.WithActeur(ctx, segur.Acteur{Login: "cli", Adresse: "programme"})
	if err := g.agentsEtFenetres(ctx); err != nil {
		return nil, err
	}
	fournisseurs, err := g.fournisseurs(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.reference(ctx); err != nil {
		return nil, err
	}
	demandes, err := g.deposer(ctx, fournisseurs)
	if err != nil {
		return nil, err
	}
	if err := g.instruire(ctx, demandes); err != nil {
		return nil, err
	}
	g.e.Fournisseurs, g.e.Demandes = len(fournisseurs), len(demandes)
	g.e.Instructeur, g.e.MotDePasse = g.agents[0].login, MotDePasse
	g.e.Fichier = filepath.Join(dossier, "echantillons.json")
	b, err := json.MarshalIndent(g.e, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(g.e.Fichier, append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return &g.e, nil
}

// entre returns an int in [a, b].
func (g *generateur) entre(a, b int) int { return a + g.rng.IntN(b-a+1) }

// luhnCle returns the digit that completes digits under Luhn's formula.
func luhnCle(digits string) byte {
	sum := 0
	// The key will be the rightmost digit: from the right of digits,
	// every first, third… digit is doubled.
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// finess returns the n-th generated FINESS: a department, 6 digits from
// n, and its key.
func finess(n int) string {
	s := fmt.Sprintf("%02d%06d", 1+n%95, n/95)
	return s + string(luhnCle(s))
}

var (
	prenoms = []string{"Marie", "Jean", "Sophie", "Karim", "Claire", "Thomas", "Nadia", "Luc", "Élodie", "Hugo", "Inès", "Paul"}
	noms    = []string{"Martin", "Bernard", "Dubois", "Leroy", "Moreau", "Simon", "Laurent", "Michel", "Garcia", "Roux", "Fournier", "Girard"}
	debuts  = []string{"Médi", "Santé", "Hospi", "Clini", "Soins", "Dossier", "Pharma", "Bio", "Radio", "Cardio", "Neuro", "Pédia", "Onco", "Géria", "Dermo"}
	fins    = []string{"Logiciels", "Systèmes", "Informatique", "Solutions", "Numérique", "Données", "Services", "Connect", "Réseau", "Conseil"}
	formes  = []string{"SAS", "SARL", "SA", "SASU"}
	villes  = []string{"Lyon", "Lille", "Nantes", "Rennes", "Bordeaux", "Toulouse", "Marseille", "Nice", "Dijon", "Brest", "Metz", "Tours", "Rouen", "Reims", "Amiens", "Caen", "Limoges", "Pau", "Nîmes", "Angers"}
	sortes  = []string{"CENTRE HOSPITALIER", "CLINIQUE", "HOPITAL PRIVE", "CHU", "POLYCLINIQUE", "CENTRE DE READAPTATION"}
)

func slug(s string) string {
	r := strings.NewReplacer("é", "e", "è", "e", "ê", "e", "à", "a", "ô", "o", "î", "i", "ç", "c", " ", "-", "É", "e")
	return strings.ToLower(r.Replace(s))
}

// agentsEtFenetres creates the agents and the campaign windows: the
// whole programme for the three software types, and the balance.
func (g *generateur) agentsEtFenetres(ctx context.Context) error {
	hash, err := auth.HashPassword(MotDePasse)
	if err != nil {
		return err
	}
	g.hash = hash
	roles := [][]segur.Role{}
	for range 8 {
		roles = append(roles, []segur.Role{segur.RoleInstructeur})
	}
	roles = append(roles, []segur.Role{segur.RolePayeur}, []segur.Role{segur.RolePayeur},
		[]segur.Role{segur.RoleAdmin, segur.RoleInstructeur}, []segur.Role{segur.RoleAdmin})
	for i, r := range roles {
		nom := prenoms[i%len(prenoms)] + " " + noms[(i*5)%len(noms)]
		login := fmt.Sprintf("%s.%s@asp.programme", slug(prenoms[i%len(prenoms)]), slug(noms[(i*5)%len(noms)]))
		u := &segur.Utilisateur{Login: login, Nom: nom, Roles: r, MotDePasse: hash}
		if err := g.db.CreateUtilisateur(ctx, u); err != nil {
			return fmt.Errorf("agent %s : %w", login, err)
		}
		g.agents = append(g.agents, agent{login, r})
	}
	for _, l := range []hop.Logiciel{hop.LogicielRI, hop.LogicielDPI, hop.LogicielPFI} {
		for _, t := range []segur.TypeDemande{segur.TypeAvance, segur.TypeSolde} {
			f := &segur.Fenetre{Logiciel: l, Type: t, Debut: g.debut.AddDate(0, 0, -7), Fin: g.fin.AddDate(0, 6, 0)}
			if err := g.db.CreateFenetre(ctx, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *generateur) instructeurs() []agent {
	var out []agent
	for _, a := range g.agents {
		if slices.Contains(a.roles, segur.RoleInstructeur) {
			out = append(out, a)
		}
	}
	return out
}

// fournisseurs creates the vendors, each with a user, and their products.
func (g *generateur) fournisseurs(ctx context.Context) ([]*fournisseur, error) {
	n := g.o.Fournisseurs
	if n == 0 {
		n = min(300, max(3, g.o.Demandes/50))
	}
	var out []*fournisseur
	vus := map[string]bool{}
	ans := 0
	for i := range n {
		nom := debuts[g.rng.IntN(len(debuts))] + " " + fins[g.rng.IntN(len(fins))]
		for vus[nom] {
			nom = fmt.Sprintf("%s %s", strings.TrimSuffix(nom, " "+formes[0]), villes[g.rng.IntN(len(villes))])
			if vus[nom] {
				nom = fmt.Sprintf("%s %d", nom, i)
			}
		}
		vus[nom] = true
		raison := nom + " " + formes[g.rng.IntN(len(formes))]
		s := fmt.Sprintf("%013d", 100_000_000_000+uint64(i)*7_919_311+g.rng.Uint64N(7_000_000))
		siret := s + string(luhnCle(s))
		domaine := slug(strings.ReplaceAll(nom, " ", "")) + ".fr"
		g.h.t = g.debut.Add(-time.Duration(n-i) * time.Minute)
		f := &segur.Fournisseur{SIRET: siret, Nom: raison, Email: "contact@" + domaine}
		if err := f.Valider(false); err != nil {
			return nil, err
		}
		if err := g.db.CreateFournisseur(ctx, f); err != nil {
			return nil, fmt.Errorf("fournisseur %s : %w", raison, err)
		}
		fo := &fournisseur{f: f, login: "depot@" + domaine, poids: 0.2 + g.rng.ExpFloat64()}
		u := &segur.Utilisateur{Login: fo.login, Nom: "Dépôts " + nom, Roles: []segur.Role{segur.RoleFournisseur}, FournisseurID: f.ID, MotDePasse: g.hash}
		if err := g.db.CreateUtilisateur(ctx, u); err != nil {
			return nil, fmt.Errorf("utilisateur %s : %w", u.Login, err)
		}
		logiciels := []hop.Logiciel{hop.LogicielRI, hop.LogicielDPI, hop.LogicielPFI}
		g.rng.Shuffle(len(logiciels), func(a, b int) { logiciels[a], logiciels[b] = logiciels[b], logiciels[a] })
		for _, l := range logiciels[:1+g.rng.IntN(3)] {
			ans++
			p := &segur.Produit{NumeroAns: fmt.Sprintf("%010d", 1_000_000_000+ans*7_777), FournisseurID: f.ID, Logiciel: l,
				Nom: fmt.Sprintf("%s %s", nom, l)}
			if err := g.db.CreateProduit(ctx, p); err != nil {
				return nil, fmt.Errorf("produit %s : %w", p.NumeroAns, err)
			}
			fo.produits = append(fo.produits, p)
		}
		out = append(out, fo)
	}
	// A fragment of a vendor's name that several share: the first word
	// of the first vendor.
	g.e.Fragment = strings.Fields(out[0].f.Nom)[0]
	return out, nil
}

// The ceilings of the reference, in cents: high enough that a request of
// 60 000 € TTC on one establishment stays under them, but for the few
// establishments kept for the alert « au-dessus des plafonds ».
const (
	plafond      = 100_000_00
	petitPlafond = 3_000_00
)

// reference creates the reference of establishments: enough FINESS for
// every request of each software type to have its own (one financing per
// establishment and software type, the rule whose breach is « déjà
// financé »), and a few with low ceilings.
func (g *generateur) reference(ctx context.Context) error {
	n := max(3000, g.o.Demandes*2/3+g.o.Demandes/10)
	ref := segur.Reference{}
	for i := range n {
		f := finess(i)
		ref[f] = segur.Etablissement{FINESSPMSI: f, Nom: fmt.Sprintf("%s DE %s %d", sortes[i%len(sortes)], strings.ToUpper(villes[i%len(villes)]), i),
			Plafonds: map[hop.Logiciel]int64{hop.LogicielRI: plafond, hop.LogicielDPI: plafond, hop.LogicielPFI: plafond}}
	}
	for i := range 200 {
		f := finess(n + i)
		g.petits = append(g.petits, f)
		ref[f] = segur.Etablissement{FINESSPMSI: f, Nom: fmt.Sprintf("CENTRE DE PROXIMITE %d", i),
			Plafonds: map[hop.Logiciel]int64{hop.LogicielRI: petitPlafond, hop.LogicielDPI: petitPlafond, hop.LogicielPFI: petitPlafond}}
	}
	g.hors = n + 200
	for _, l := range []hop.Logiciel{hop.LogicielRI, hop.LogicielDPI, hop.LogicielPFI} {
		fs := make([]string, n)
		for i := range fs {
			fs[i] = finess(i)
		}
		g.rng.Shuffle(len(fs), func(a, b int) { fs[a], fs[b] = fs[b], fs[a] })
		g.libres[l] = fs
	}
	g.ref = ref
	g.h.t = g.debut.Add(-time.Hour)
	_, err := g.db.CreateReference(ctx, ref)
	return err
}

// depot is a deposit to make: its vendor, product, time and requests'
// count.
type depot struct {
	f *fournisseur
	p *segur.Produit
	t time.Time
	n int
}

// demande is a request the generator deposited, with what it decided of
// it: its alert and its path in the state machine.
type demande struct {
	asp     string
	alerte  string
	t       time.Time // deposited
	groupe  groupe
	vendeur string // the vendor's user's login
	detour  bool   // a completion asked and answered on its way
}

// planifier spreads the requests over deposits of up to 200, vendors
// (some much larger than others) and times (working hours of working
// days, Europe/Paris), in time order.
func (g *generateur) planifier(fs []*fournisseur) []depot {
	var total float64
	for _, f := range fs {
		total += f.poids
	}
	var ds []depot
	reste := g.o.Demandes
	for reste > 0 {
		// A vendor drawn by its weight.
		x := g.rng.Float64() * total
		f := fs[len(fs)-1]
		for _, c := range fs {
			if x -= c.poids; x < 0 {
				f = c
				break
			}
		}
		n := min(reste, 1+g.rng.IntN(200))
		if g.rng.IntN(3) == 0 {
			n = min(reste, 150+g.rng.IntN(51))
		}
		jours := int(g.fin.Sub(g.debut).Hours() / 24)
		jour := g.debut.AddDate(0, 0, g.rng.IntN(jours))
		for jour.Weekday() == time.Saturday || jour.Weekday() == time.Sunday {
			jour = jour.AddDate(0, 0, 1)
		}
		t := time.Date(jour.Year(), jour.Month(), jour.Day(), 8+g.rng.IntN(11), g.rng.IntN(60), g.rng.IntN(60), g.rng.IntN(1e6)*1000, g.paris)
		if !t.Before(g.fin) {
			t = g.fin.Add(-time.Duration(1+g.rng.IntN(3600)) * time.Second)
		}
		ds = append(ds, depot{f: f, p: f.produits[g.rng.IntN(len(f.produits))], t: t, n: n})
		reste -= n
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].t.Before(ds[j].t) })
	return ds
}

// deposer makes the deposits through the portal's desk, in time order.
func (g *generateur) deposer(ctx context.Context, fs []*fournisseur) ([]*demande, error) {
	guichet := &segur.Guichet{Store: g.db, Blobs: g.blobs, Paris: g.paris, Programme: g.prog}
	ordinaux := map[string]int{}
	var out []*demande
	g.e.Alertes = map[string]int{}
	plan := g.planifier(fs)
	for k, dp := range plan {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		jour := dp.t.In(g.paris).Format("20060102")
		ordinaux[dp.p.NumeroAns+jour]++
		nom := fmt.Sprintf("JSON-%s-%s-%03d.json", dp.p.NumeroAns, jour, ordinaux[dp.p.NumeroAns+jour])
		fichier := hop.FichierHOP{NumeroAns: dp.p.NumeroAns, SIRET: dp.f.f.SIRET, Logiciel: dp.p.Logiciel}
		alertes := make([]string, dp.n)
		var zbuf bytes.Buffer
		zw := zip.NewWriter(&zbuf)
		groupes := make([]groupe, dp.n)
		for i := range dp.n {
			groupes[i] = g.groupe(len(out) + i)
			dm, alerte := g.donnees(dp, groupes[i])
			alertes[i] = alerte
			for _, p := range dm.Pieces {
				w, err := zw.CreateHeader(&zip.FileHeader{Name: p.NomFichier, Method: zip.Store})
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(w, "%%PDF-1.4\n%% %s\n%%%%EOF\n", p.NomFichier)
			}
			fichier.Demandes = append(fichier.Demandes, dm)
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		var jbuf bytes.Buffer
		if err := hop.EcrireHOP(&jbuf, fichier); err != nil {
			return nil, err
		}
		jsonRef, err := g.blobs.Put(ctx, &jbuf, hop.MaxFichier)
		if err != nil {
			return nil, err
		}
		zipRef, err := g.blobs.Put(ctx, &zbuf, hop.MaxArchive)
		if err != nil {
			return nil, err
		}
		g.h.t = dp.t.Add(time.Duration(200+g.rng.IntN(800)) * time.Millisecond)
		dctx := segur.WithActeur(ctx, segur.Acteur{Login: dp.f.login, Adresse: fmt.Sprintf("192.0.2.%d", 1+int(dp.f.f.ID)%250)})
		d, err := guichet.Deposer(dctx, segur.Envoi{Fournisseur: dp.f.f, Type: segur.TypeAvance, NumeroAns: dp.p.NumeroAns, NomFichier: nom,
			Recu: dp.t, JSON: jsonRef, Zip: zipRef}, dp.p)
		if err != nil {
			return nil, fmt.Errorf("dépôt %s de %s : %w", nom, dp.f.f.Nom, err)
		}
		if d.Statut != segur.DepotTraite {
			return nil, fmt.Errorf("dépôt %s de %s rejeté par le contrôle 1 : %s", nom, dp.f.f.Nom, d.Motif.Code)
		}
		for i, l := range d.Lignes {
			if l.NumeroASP == "" {
				return nil, fmt.Errorf("dépôt %s, demande %s rejetée : %s %s", nom, l.NumeroEditeur, l.Code, l.Libelle)
			}
			out = append(out, &demande{asp: l.NumeroASP, alerte: alertes[i], t: g.h.t, groupe: groupes[i], vendeur: dp.f.login,
				detour: groupes[i] > groupeACompleter && g.rng.IntN(5) == 0})
			if alertes[i] != "" {
				g.e.Alertes[alertes[i]]++
			}
		}
		g.e.Depots++
		if (k+1)%100 == 0 {
			fmt.Fprintf(g.log, "programme : %d dépôts sur %d, %d demandes\n", k+1, len(plan), len(out))
		}
	}
	return out, nil
}

// donnees returns request i of deposit dp, and the alert it was given
// ("" for none): about 5 % of the requests have one.
func (g *generateur) donnees(dp depot, gr groupe) (hop.DonneesDemande, string) {
	dp.f.numero++
	n := dp.f.numero
	num := formatBase36(n)
	num = strings.Repeat("0", max(0, 5-len(num))) + num
	l := dp.p.Logiciel
	commande := dp.t.In(g.paris).AddDate(0, 0, -g.entre(1, 90))
	d := hop.DonneesDemande{NumeroEditeur: num, DateCommande: hop.Date{Annee: commande.Year(), Mois: int(commande.Month()), Jour: commande.Day()},
		RegimeTVA: "HT", MontantHTCents: int64(g.entre(5_000, 60_000))*100 + int64(g.rng.IntN(100))}
	if g.rng.IntN(10) == 0 {
		d.RegimeTVA = "TTC"
	}
	alerte := ""
	switch x := g.rng.IntN(1000); {
	case x < 20:
		alerte = "hors_referentiel"
	case x < 35:
		alerte = "au_dessus_plafonds"
	case x < 50 && len(g.finances[l]) > 0:
		alerte = "deja_finance"
	}
	nc := 1
	if g.rng.IntN(4) == 0 {
		nc = 2 + g.rng.IntN(2)
	}
	var fs []string
	switch alerte {
	case "hors_referentiel":
		fs = append(fs, finess(g.hors))
		g.hors++
	case "au_dessus_plafonds":
		fs = append(fs, g.petits[g.rng.IntN(len(g.petits))])
		nc = 1
	case "deja_finance":
		fs = append(fs, g.finances[l][g.rng.IntN(len(g.finances[l]))])
	}
	for len(fs) < nc {
		libres := g.libres[l]
		if len(libres) == 0 {
			// More requests than the reference holds establishments:
			// the rest share them (and carry « déjà financé » once one
			// is validated).
			fs = append(fs, finess(g.rng.IntN(g.hors)))
			continue
		}
		fs, g.libres[l] = append(fs, libres[len(libres)-1]), libres[:len(libres)-1]
	}
	if alerte == "" {
		g.e.FINESS = cmpOr(g.e.FINESS, fs[0])
	}
	if gr.finance() {
		g.finances[l] = append(g.finances[l], fs...)
	}
	for k, f := range fs {
		e, ok := g.ref[f]
		nom := fmt.Sprintf("ETABLISSEMENT %s", f)
		if ok {
			nom = e.Nom
		}
		d.Clients = append(d.Clients, hop.Client{Contact: hop.Contact{Nom: nom, Email: fmt.Sprintf("direction.%s@etablissement-sante.fr", f),
			Telephone: fmt.Sprintf("0%d %02d %02d %02d %02d", 1+k%5, g.rng.IntN(100), g.rng.IntN(100), g.rng.IntN(100), g.rng.IntN(100))}, FINESSPMSI: f})
	}
	// Several establishments are represented by a mandataire; a single one
	// (isClientUnique) by none.
	if len(d.Clients) > 1 {
		m := prenoms[g.rng.IntN(len(prenoms))]
		d.Mandataire = &hop.Contact{Nom: strings.ToUpper(noms[g.rng.IntN(len(noms))]) + " " + m, Email: d.Clients[0].Email, Telephone: d.Clients[0].Telephone}
	}
	types := []string{hop.TypeBonCommande, hop.TypePreuveHT}
	if d.RegimeTVA == "TTC" {
		types = types[:1] // no proof of the HT regime
	}
	for _, typ := range types {
		d.Pieces = append(d.Pieces, hop.Piece{NomFichier: hop.NomPiece(l, typ, num, "PDF"), Format: "PDF", Type: typ})
	}
	if l == hop.LogicielPFI {
		d.OperateurMessagerie = "MESSAGERIE EXEMPLE A"
	}
	return d, alerte
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func formatBase36(n int) string {
	const chiffres = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b []byte
	for n > 0 {
		b = append([]byte{chiffres[n%36]}, b...)
		n /= 36
	}
	if len(b) == 0 {
		return "0"
	}
	return string(b)
}
