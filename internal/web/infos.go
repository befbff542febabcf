package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/segur-numerique/segur"
)

// The pages every State website owes its users, linked from the footer:
// the accessibility statement, the legal notice, the personal data, the
// site map; and the vendors' API documentation as a page. They are public,
// and show the header of the user signed in, if any.

func init() {
	morePages = append(morePages, "accessibilite.html", "mentions-legales.html", "donnees-personnelles.html",
		"plan-du-site.html", "api.html")
}

func (s *Server) routesInfos(mux *http.ServeMux) error {
	// The API's page is read once: a description the page cannot read
	// stops the start, not a request.
	if len(s.OpenAPI) > 0 {
		p, err := documentationAPI(s.OpenAPI)
		if err != nil {
			return err
		}
		s.docAPI = &p
	}
	mux.Handle("GET /accessibilite", s.handle(s.facultatif(s.getInfo("accessibilite.html", "Déclaration d'accessibilité"))))
	mux.Handle("GET /mentions-legales", s.handle(s.facultatif(s.getInfo("mentions-legales.html", "Mentions légales"))))
	mux.Handle("GET /donnees-personnelles", s.handle(s.facultatif(s.getInfo("donnees-personnelles.html", "Données personnelles"))))
	mux.Handle("GET /plan-du-site", s.handle(s.facultatif(s.getInfo("plan-du-site.html", "Plan du site"))))
	mux.Handle("GET /api", s.handle(s.facultatif(s.getAPI)))
	return nil
}

// Agence is the portal's operator as the mandatory pages name it.
const (
	agenceNom     = "Agence de services et de paiement"
	agenceAdresse = "2 rue du Maupas, 87040 Limoges Cedex 1"
)

// PageInfo is a mandatory page: the operator's contact, and the durations
// the personal data page states, taken from the rules that apply them.
type PageInfo struct {
	Base
	Agence, Adresse string
	// Contact is the address users write to (segur serve --contact); ""
	// leaves the postal address alone.
	Contact string
	// Hebergeur names the host (segur serve --hebergeur).
	Hebergeur         string
	SessionDuree      string
	SessionInactivite string
	FenetreEchecs     string
}

func (s *Server) pageInfo(r *http.Request, titre string) PageInfo {
	return PageInfo{Base: Base{Titre: titre, Utilisateur: utilisateur(r.Context())},
		Agence: agenceNom, Adresse: agenceAdresse, Contact: s.Contact, Hebergeur: s.Hebergeur,
		SessionDuree: dureeTexte(segur.SessionDuree), SessionInactivite: dureeTexte(segur.SessionInactivite),
		FenetreEchecs: dureeTexte(segur.FenetreEchecs)}
}

func (s *Server) getInfo(page, titre string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s.render(w, http.StatusOK, page, s.pageInfo(r, titre))
		return nil
	}
}

// PageAPI is the vendors' API documentation, rendered from its OpenAPI
// description (served as JSON at /api/v1/openapi.json).
type PageAPI struct {
	Base
	Nom, Description string
	Operations       []Operation
	Schemas          []SchemaDoc
}

// Operation is one route of the API.
type Operation struct {
	Ancre, Methode, Chemin string
	Resume, Description    string
	Public                 bool // needs no token
	Parametres             []ParametreDoc
	Corps                  []ChampDoc // a request body's fields
	CorpsType              string
	Reponses               []ReponseDoc
}

// ParametreDoc is a parameter of a route.
type ParametreDoc struct {
	Nom, Ou, Type, Description string
	Requis                     bool
}

// ChampDoc is a field of a body or a schema.
type ChampDoc struct {
	Nom, Type, Description string
	Requis                 bool
}

// ReponseDoc is an answer of a route.
type ReponseDoc struct {
	Code, Description, Type string
}

// SchemaDoc is an object of the API.
type SchemaDoc struct {
	Nom, Description string
	Champs           []ChampDoc
}

// openapi is what the page reads of an OpenAPI 3.1 description.
type openapi struct {
	Info struct {
		Title, Description string
	}
	Security   []map[string][]string
	Paths      json.RawMessage
	Components struct {
		Schemas    json.RawMessage
		Parameters map[string]parametre
		Responses  map[string]reponse
	}
}

type operation struct {
	Summary, Description string
	Security             *[]map[string][]string
	Parameters           []parametre
	RequestBody          *struct {
		Content map[string]struct{ Schema schema }
	}
	Responses json.RawMessage
}

type parametre struct {
	Ref         string `json:"$ref"`
	Name, In    string
	Required    bool
	Description string
	Schema      schema
}

type reponse struct {
	Ref         string `json:"$ref"`
	Description string
	Content     map[string]struct{ Schema schema }
}

type schema struct {
	Ref              string `json:"$ref"`
	Type             json.RawMessage
	Enum             []any
	Format           string
	ContentMediaType string
	Description      string
	Items            *schema
	OneOf            []schema
	Required         []string
	Properties       json.RawMessage
	Minimum, Maximum *float64
	MinLength        *int
	MaxLength        *int
}

// documentationAPI reads spec into the page; the routes and fields keep
// the description's order.
func documentationAPI(spec []byte) (PageAPI, error) {
	var o openapi
	if err := json.Unmarshal(spec, &o); err != nil {
		return PageAPI{}, fmt.Errorf("openapi: %w", err)
	}
	p := PageAPI{Nom: o.Info.Title, Description: o.Info.Description}
	paths, err := ordonneRaw(o.Paths)
	if err != nil {
		return PageAPI{}, err
	}
	for _, path := range paths {
		ops, err := ordonneRaw(path.val)
		if err != nil {
			return PageAPI{}, err
		}
		for _, m := range ops {
			var op operation
			if err := json.Unmarshal(m.val, &op); err != nil {
				return PageAPI{}, fmt.Errorf("openapi: %s %s: %w", m.cle, path.cle, err)
			}
			d := Operation{Methode: strings.ToUpper(m.cle), Chemin: path.cle, Resume: op.Summary, Description: op.Description,
				Public: op.Security != nil && len(*op.Security) == 0}
			d.Ancre = ancre(d.Methode + " " + d.Chemin)
			for _, pa := range op.Parameters {
				if pa.Ref != "" {
					pa = o.Components.Parameters[nomRef(pa.Ref)]
				}
				d.Parametres = append(d.Parametres, ParametreDoc{Nom: pa.Name, Ou: ou(pa.In), Type: pa.Schema.texte(),
					Description: pa.Description, Requis: pa.Required || pa.In == "path"})
			}
			if op.RequestBody != nil {
				for _, ct := range cles(op.RequestBody.Content) {
					sc := op.RequestBody.Content[ct].Schema
					d.CorpsType = ct
					if d.Corps, err = sc.champs(); err != nil {
						return PageAPI{}, err
					}
				}
			}
			reps, err := ordonneRaw(op.Responses)
			if err != nil {
				return PageAPI{}, err
			}
			for _, rr := range reps {
				var re reponse
				if err := json.Unmarshal(rr.val, &re); err != nil {
					return PageAPI{}, fmt.Errorf("openapi: %s %s %s: %w", d.Methode, d.Chemin, rr.cle, err)
				}
				if re.Ref != "" {
					re = o.Components.Responses[nomRef(re.Ref)]
				}
				doc := ReponseDoc{Code: rr.cle, Description: re.Description}
				for _, ct := range cles(re.Content) {
					t := ct
					if st := re.Content[ct].Schema.texte(); st != "" {
						t += " : " + st
					}
					doc.Type = t
				}
				// Answers alike (the errors) are one row: « 400, 401, 403 ».
				if n := len(d.Reponses); n > 0 && d.Reponses[n-1].Description == doc.Description && d.Reponses[n-1].Type == doc.Type {
					d.Reponses[n-1].Code += ", " + doc.Code
					continue
				}
				d.Reponses = append(d.Reponses, doc)
			}
			p.Operations = append(p.Operations, d)
		}
	}
	schemas, err := ordonneRaw(o.Components.Schemas)
	if err != nil {
		return PageAPI{}, err
	}
	for _, sc := range schemas {
		var s schema
		if err := json.Unmarshal(sc.val, &s); err != nil {
			return PageAPI{}, fmt.Errorf("openapi: schéma %s: %w", sc.cle, err)
		}
		champs, err := s.champs()
		if err != nil {
			return PageAPI{}, err
		}
		p.Schemas = append(p.Schemas, SchemaDoc{Nom: sc.cle, Description: s.Description, Champs: champs})
	}
	return p, nil
}

// cle is a key of a JSON object with its value, in the file's order.
type cle struct {
	cle string
	val json.RawMessage
}

// ordonneRaw returns the members of JSON object raw in their order.
func ordonneRaw(raw json.RawMessage) ([]cle, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("openapi: objet attendu")
	}
	var out []cle
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("openapi: %w", err)
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", k, err)
		}
		out = append(out, cle{k, v})
	}
	return out, nil
}

func cles[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func nomRef(ref string) string { return ref[strings.LastIndexByte(ref, '/')+1:] }

func ou(in string) string {
	switch in {
	case "path":
		return "chemin"
	case "query":
		return "requête"
	case "header":
		return "en-tête"
	}
	return in
}

// ancre makes an HTML id of s.
func ancre(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// texte is a schema in a few French words: « chaîne », « entier (1 à
// 500) », « Depot », « liste de Ligne ».
func (s schema) texte() string {
	if s.Ref != "" {
		return nomRef(s.Ref)
	}
	var types []string
	if len(s.Type) > 0 {
		var one string
		if json.Unmarshal(s.Type, &one) == nil {
			types = []string{one}
		} else {
			json.Unmarshal(s.Type, &types)
		}
	}
	var mots []string
	for _, t := range types {
		switch t {
		case "string":
			mots = append(mots, "chaîne")
		case "integer":
			mots = append(mots, "entier")
		case "number":
			mots = append(mots, "nombre")
		case "boolean":
			mots = append(mots, "booléen")
		case "object":
			mots = append(mots, "objet")
		case "null":
			mots = append(mots, "null")
		case "array":
			if s.Items != nil {
				mots = append(mots, "liste de "+s.Items.texte())
			} else {
				mots = append(mots, "liste")
			}
		}
	}
	for _, o := range s.OneOf {
		mots = append(mots, o.texte())
	}
	t := strings.Join(mots, " ou ")
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprint(v))
		}
		t = strings.TrimSpace(t + " parmi " + strings.Join(vals, ", "))
		t = strings.TrimPrefix(t, "parmi ")
		if len(types) == 0 {
			t = "l'une des valeurs " + strings.Join(vals, ", ")
		}
	}
	switch {
	case s.Format == "date-time":
		t += " (date et heure RFC 3339)"
	case s.Format == "date":
		t += " (date AAAA-MM-JJ)"
	case s.Format != "":
		t += " (" + s.Format + ")"
	}
	if s.ContentMediaType != "" {
		t = "fichier " + s.ContentMediaType
	}
	if s.Minimum != nil && s.Maximum != nil {
		t += fmt.Sprintf(" de %v à %v", *s.Minimum, *s.Maximum)
	} else if s.Minimum != nil {
		t += fmt.Sprintf(" d'au moins %v", *s.Minimum)
	}
	if s.MaxLength != nil {
		t += fmt.Sprintf(", %d caractères au plus", *s.MaxLength)
	}
	return t
}

// champs are the properties of an object schema, in the file's order.
func (s schema) champs() ([]ChampDoc, error) {
	props, err := ordonneRaw(s.Properties)
	if err != nil {
		return nil, err
	}
	requis := map[string]bool{}
	for _, r := range s.Required {
		requis[r] = true
	}
	var out []ChampDoc
	for _, p := range props {
		var ps schema
		if err := json.Unmarshal(p.val, &ps); err != nil {
			return nil, fmt.Errorf("openapi: champ %s: %w", p.cle, err)
		}
		out = append(out, ChampDoc{Nom: p.cle, Type: ps.texte(), Description: ps.Description, Requis: requis[p.cle]})
	}
	return out, nil
}

func (s *Server) getAPI(w http.ResponseWriter, r *http.Request) error {
	if s.docAPI == nil {
		return segur.Errorf(segur.ENOTFOUND, "La documentation de l'API n'est pas servie par ce portail.")
	}
	p := *s.docAPI
	p.Base = Base{Titre: "API des éditeurs", Utilisateur: utilisateur(r.Context())}
	s.render(w, http.StatusOK, "api.html", p)
	return nil
}
