package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"

	"github.com/segur-numerique/segur"
	"github.com/segur-numerique/segur/hop"
)

// postDepot receives a deposit: multipart/form-data with typeDemande,
// numeroAns, fichier (the JSON) and pieces (the zip). The files are staged
// as they stream in, within their bounds, and reach the store only once
// the deposit is accepted for control: a refusal leaves nothing behind.
func (a *API) postDepot(w http.ResponseWriter, r *http.Request) error {
	recu := a.Now()
	ctx := r.Context()
	f := fournisseur(ctx)
	cle := r.Header.Get("Idempotency-Key")
	if !cleValide(cle) {
		return segur.Errorf(segur.EINVALID, "en-tête Idempotency-Key : attendu 1 à 100 caractères ASCII imprimables")
	}
	// A suspended vendor is refused before its files are read.
	if err := f.PeutDeposer(a.Guichet.Contact); err != nil {
		return err
	}
	rendre, err := a.Guichet.Commencer(ctx, f.ID, recu)
	if err != nil {
		return err
	}
	defer rendre()
	r.Body = http.MaxBytesReader(w, r.Body, hop.MaxFichier+hop.MaxArchive+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return segur.Errorf(segur.EINVALID, "envoi attendu en multipart/form-data, avec les champs typeDemande, numeroAns, fichier et pieces")
	}
	st, err := a.Guichet.Stage()
	if err != nil {
		return err
	}
	defer st.Discard()
	form, err := segur.LireFormulaireDepot(ctx, mr, st)
	if err != nil {
		return a.envoiInterrompu(r, tropGros(err, "l'envoi dépasse 210 Mo", err))
	}
	envoi := segur.Envoi{Fournisseur: f, Recu: recu, Type: segur.TypeDemande(form.TypeDemande), NumeroAns: form.NumeroAns,
		NomFichier: form.NomFichier, JSON: form.JSON, Zip: form.Zip, Cle: cle, Fichiers: st}
	ans := form.NumeroAns
	p, err := a.Guichet.Recevoir(ctx, f, envoi.Type, ans, recu)
	if err != nil {
		return err
	}
	d, err := a.Guichet.Deposer(ctx, envoi, p)
	if errors.Is(err, segur.ErrRejoue) {
		// A retry: the first deposit of this key, nothing new.
		if d, err = a.Store.FindDepotByID(ctx, d.ID); err != nil {
			return err
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Location", fmt.Sprintf("/api/v1/depots/%d", d.ID))
		return writeJSON(w, http.StatusCreated, depotJSON(d))
	}
	if err != nil {
		return err
	}
	a.Metrics.depot(d)
	if a.plein.Swap(false) {
		a.Log.Info("file store writable again")
	}
	a.Log.Info("deposit", "id", d.ID, "siret", f.SIRET, "statut", d.Statut, "lignes", len(d.Lignes))
	w.Header().Set("Location", fmt.Sprintf("/api/v1/depots/%d", d.ID))
	return writeJSON(w, http.StatusCreated, depotJSON(d))
}

// envoiInterrompu turns an upload the client abandoned, or that the server
// cut (too slow), into a refusal logged at info: not an internal error.
// Other errors are returned as they are.
func (a *API) envoiInterrompu(r *http.Request, err error) error {
	var se *segur.Error
	if errors.As(err, &se) && se.Code != segur.EINTERNAL {
		return err
	}
	if !interrompu(r, err) {
		return err
	}
	a.Log.Info("upload abandoned", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
	return segur.Errorf(segur.EINVALID, "envoi interrompu avant la fin : rien n'est enregistré")
}

// interrompu reports whether err, met reading r's body, means the client
// went away or was too slow (the server's read deadline), not a fault of
// the portal.
func interrompu(r *http.Request, err error) bool {
	var ne net.Error
	return r.Context().Err() != nil || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() ||
		errors.Is(err, syscall.ECONNRESET)
}

// cleValide accepts an empty Idempotency-Key (none) or 1 to 100 printable
// ASCII characters.
func cleValide(cle string) bool {
	if len(cle) > 100 {
		return false
	}
	for i := 0; i < len(cle); i++ {
		if cle[i] < 0x21 || cle[i] > 0x7e {
			return false
		}
	}
	return true
}

// tropGros maps a request body over its bound to ETOOLARGE with msg, else
// returns other.
func tropGros(err error, msg string, other error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return segur.Errorf(segur.ETOOLARGE, "%s", msg)
	}
	return other
}

// DepotJSON is a deposit as the API shows it.
type DepotJSON struct {
	ID            segur.DepotID `json:"id"`
	ImpID         string        `json:"impId"`
	Statut        string        `json:"statut"`
	Motif         *MotifJSON    `json:"motif"`
	TypeDemande   string        `json:"typeDemande"`
	NumeroAns     string        `json:"numeroAns"`
	NomFichier    string        `json:"nomFichier"`
	Recu          string        `json:"recu"`
	FichierRetour *string       `json:"fichierRetour"`
	Demandes      []LigneJSON   `json:"demandes,omitempty"`
}

// MotifJSON is why a file was rejected by control 1.
type MotifJSON struct {
	Code    string `json:"code"`
	Libelle string `json:"libelle"`
	Ligne   int    `json:"ligne,omitempty"`
	Colonne int    `json:"colonne,omitempty"`
}

// LigneJSON is the outcome of one request of a deposit.
type LigneJSON struct {
	NumLigne          int     `json:"numLigne"`
	NumeroEditeur     string  `json:"numeroEditeur"`
	CodeTraitement    string  `json:"codeTraitement"`
	LibelleTraitement string  `json:"libelleTraitement"`
	NumeroASP         *string `json:"numeroASP"`
}

func depotJSON(d *segur.Depot) DepotJSON {
	out := DepotJSON{ID: d.ID, ImpID: d.ImpID, Statut: string(d.Statut), TypeDemande: string(d.Type), NumeroAns: d.NumeroAns,
		NomFichier: d.NomFichier, Recu: d.Recu.UTC().Format("2006-01-02T15:04:05Z")}
	if d.Motif != nil {
		out.Motif = &MotifJSON{Code: d.Motif.Code, Libelle: d.Motif.Libelle(), Ligne: d.Motif.Ligne, Colonne: d.Motif.Colonne}
	}
	if d.Retour.SHA256 != "" {
		u := fmt.Sprintf("/api/v1/depots/%d/fichier-retour", d.ID)
		out.FichierRetour = &u
	}
	for _, l := range d.Lignes {
		lj := LigneJSON{NumLigne: l.NumLigne, NumeroEditeur: l.NumeroEditeur, CodeTraitement: l.Code, LibelleTraitement: l.Libelle}
		if l.NumeroASP != "" {
			asp := l.NumeroASP
			lj.NumeroASP = &asp
		}
		out.Demandes = append(out.Demandes, lj)
	}
	return out
}

// page reads ?page= and ?parPage= (50 by default, 500 at most).
func page(r *http.Request) (limit, offset, num int, err error) {
	num, limit = 1, 50
	if s := r.URL.Query().Get("page"); s != "" {
		if num, err = strconv.Atoi(s); err != nil || num < 1 || num > 1_000_000 {
			return 0, 0, 0, segur.Errorf(segur.EINVALID, "page « %s » : attendu un entier à partir de 1", s)
		}
	}
	if s := r.URL.Query().Get("parPage"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 500 {
			return 0, 0, 0, segur.Errorf(segur.EINVALID, "parPage « %s » : attendu un entier de 1 à 500", s)
		}
	}
	return limit, (num - 1) * limit, num, nil
}

func (a *API) getDepots(w http.ResponseWriter, r *http.Request) error {
	limit, offset, num, err := page(r)
	if err != nil {
		return err
	}
	ds, total, err := a.Store.FindDepots(r.Context(), fournisseur(r.Context()).ID, limit, offset)
	if err != nil {
		return err
	}
	out := struct {
		Depots  []DepotJSON `json:"depots"`
		Total   int         `json:"total"`
		Page    int         `json:"page"`
		ParPage int         `json:"parPage"`
	}{Depots: []DepotJSON{}, Total: total, Page: num, ParPage: limit}
	for i := range ds {
		out.Depots = append(out.Depots, depotJSON(&ds[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

// depotDuFournisseur finds a deposit of the token's vendor: another
// vendor's is not found, as if it did not exist.
func (a *API) depotDuFournisseur(r *http.Request) (*segur.Depot, error) {
	return segur.DepotDuFournisseur(r.Context(), a.Store, fournisseur(r.Context()).ID, r.PathValue("id"))
}

func (a *API) getDepot(w http.ResponseWriter, r *http.Request) error {
	d, err := a.depotDuFournisseur(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, depotJSON(d))
}

func (a *API) getFichierRetour(w http.ResponseWriter, r *http.Request) error {
	d, err := a.depotDuFournisseur(r)
	if err != nil {
		return err
	}
	if d.Retour.SHA256 == "" {
		return segur.Errorf(segur.ENOTFOUND, "le dépôt %d n'a pas de fichier retour : le fichier a été rejeté par le contrôle 1", d.ID)
	}
	return a.telecharger(w, r, d.Retour, "application/json; charset=utf-8", d.NomFichier)
}

// telecharger sends a stored file as an attachment named nom, of type typ.
func (a *API) telecharger(w http.ResponseWriter, r *http.Request, ref segur.BlobRef, typ, nom string) error {
	b, err := a.Blobs.Open(r.Context(), ref.SHA256)
	if err != nil {
		return err
	}
	defer b.Close()
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Length", strconv.FormatInt(b.Taille(), 10))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": nom}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = io.Copy(w, b)
	return err
}
