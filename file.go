package segur

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// OngletFile is a tab of the agents' queue, as instructors think of their
// work: the statuses it holds, or the requests an agent follows.
type OngletFile struct {
	Cle, Libelle string
	// Aide says in one sentence what the tab holds.
	Aide    string
	Statuts []StatutDemande
	// Suivies: the requests the agent follows or that are assigned to him,
	// whatever their status.
	Suivies bool
}

// The queue's tabs, by key.
const (
	OngletATraiter = "a-traiter"
	OngletSuivies  = "suivies"
	OngletAttente  = "attente"
	OngletTraitees = "traitees"
	OngletToutes   = "toutes"
)

var ongletsFile = []OngletFile{
	{Cle: OngletATraiter, Libelle: "À traiter", Aide: "Déposées, en instruction ou complétées par le fournisseur, avance ou solde : l'agence doit agir.",
		Statuts: []StatutDemande{DemandeDeposee, DemandeEnInstruction, DemandeSoldeDeposee, DemandeSoldeEnInstruction}},
	{Cle: OngletSuivies, Libelle: "Suivies par moi", Aide: "Les demandes que vous suivez ou qui vous sont attribuées.", Suivies: true},
	{Cle: OngletAttente, Libelle: "En attente du fournisseur", Aide: "Un complément demandé ou une convention à signer.",
		Statuts: []StatutDemande{DemandeACompleter, DemandeConventionASigner}},
	{Cle: OngletTraitees, Libelle: "Traitées", Aide: "Décidées, refusées, payées, soldées ou en reversement.",
		Statuts: []StatutDemande{DemandeDecidee, DemandeConventionSignee, DemandeRefusee, DemandeAvancePayee, DemandeSoldeRefusee,
			DemandeSoldeValidee, DemandeSoldee, DemandeReversementOrdonne}},
	{Cle: OngletToutes, Libelle: "Toutes", Aide: "Toutes les demandes acceptées, quel que soit leur statut."},
}

// OngletsFile returns the queue's tabs, in their order.
func OngletsFile() []OngletFile { return append([]OngletFile(nil), ongletsFile...) }

// OngletFileDe returns the tab of key cle.
func OngletFileDe(cle string) (OngletFile, bool) {
	for _, o := range ongletsFile {
		if o.Cle == cle {
			return o, true
		}
	}
	return OngletFile{}, false
}

// Bounds of a search of the queue: the words kept, each word's length.
const (
	MaxMotsRecherche      = 8
	MaxLongueurMotCherche = 40
)

// MaxResultatsRecherche is the most requests a search of the queue may
// match: a fifth of a programme of 100 000, still a word several vendors'
// names share. Past it the search is refused, to be narrowed: it names
// nothing in particular, and counting and sorting its requests for every
// page costs in proportion (a word beginning every ASP number, 100 000
// requests: a second alone, seven with twenty such searches at once,
// against under 100 ms for 10 000).
const MaxResultatsRecherche = 20_000

// MinLongueurPrefixe is the length from which a searched word matches the
// indexed words it begins. A shorter one matches that word only: « a »
// would otherwise select every request (each ASP number is asp, a year and
// a number) and have the database read its whole index, page after page.
const MinLongueurPrefixe = 2

// PrefixeRecherche says whether the searched word mot (of MotsRecherche)
// matches the indexed words it begins, or only itself.
func PrefixeRecherche(mot string) bool {
	return utf8.RuneCountInString(mot) >= MinLongueurPrefixe
}

// MotsRecherche splits what an agent typed in the queue's search field
// into the words the index holds: letters and digits, lower-case, without
// diacritics (« Hôpital » is « hopital »), every other character a
// separator (« ASP-2026-0000123 » is asp, 2026 and 0000123). At most
// MaxMotsRecherche words of at most MaxLongueurMotCherche characters each,
// duplicates left out. Each word matches the indexed words it begins, or
// itself only if it is shorter than MinLongueurPrefixe (PrefixeRecherche).
func MotsRecherche(q string) []string {
	var mots []string
	var b strings.Builder
	fin := func() {
		if b.Len() > 0 && len(mots) < MaxMotsRecherche {
			m := b.String()
			if utf8.RuneCountInString(m) > MaxLongueurMotCherche {
				m = string([]rune(m)[:MaxLongueurMotCherche])
			}
			if !containsString(mots, m) {
				mots = append(mots, m)
			}
		}
		b.Reset()
	}
	for _, r := range q {
		r = sansDiacritique(unicode.ToLower(r))
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a combining mark: « e » + U+0301 is « e »
		}
		fin()
	}
	fin()
	return mots
}

// diacritiques folds the letters of French (and a few of its neighbours)
// to their base letter, as the indexes do (SQLite's unicode61 tokenizer
// with remove_diacritics, the PostgreSQL index's translate).
var diacritiques = map[rune]rune{
	'à': 'a', 'â': 'a', 'ä': 'a', 'á': 'a', 'ã': 'a', 'å': 'a',
	'ç': 'c',
	'é': 'e', 'è': 'e', 'ê': 'e', 'ë': 'e',
	'î': 'i', 'ï': 'i', 'í': 'i', 'ì': 'i',
	'ñ': 'n',
	'ô': 'o', 'ö': 'o', 'ó': 'o', 'ò': 'o', 'õ': 'o',
	'ù': 'u', 'û': 'u', 'ü': 'u', 'ú': 'u',
	'ÿ': 'y', 'ý': 'y',
}

func sansDiacritique(r rune) rune {
	if b, ok := diacritiques[r]; ok {
		return b
	}
	return r
}

// Suivi says that an agent follows a request: it shows under his tab
// « Suivies par moi », as those assigned to him do.
type Suivi struct {
	Login     string
	NumeroASP string
	Depuis    time.Time
}

// ActionAttribuer is the history's line of a request assigned to an agent
// (or to none): not a transition, its status unchanged.
const ActionAttribuer Action = "attribuer"

// PeutAttribuer says whether the agent login, with roles, may assign to
// agent a ("" for no one) a request now assigned to actuel: an
// administrator to anyone, an instructor to himself, or himself off it.
func PeutAttribuer(login string, roles []Role, actuel, a string) error {
	if slicesContainsRole(roles, RoleAdmin) {
		return nil
	}
	if !slicesContainsRole(roles, RoleInstructeur) {
		return Errorf(EFORBIDDEN, "attribution réservée aux instructeurs et aux administrateurs")
	}
	if a == login || a == "" && actuel == login {
		return nil
	}
	return Errorf(EFORBIDDEN, "un instructeur ne peut attribuer une demande qu'à lui-même, ou s'en retirer ; un administrateur l'attribue à un autre agent")
}

func slicesContainsRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}
