package segur

import (
	"strings"
	"testing"
)

func TestInfosAlertes(t *testing.T) {
	// Every code Alertes raises is explained, with what to check.
	for _, code := range []string{"cle_siret", "cle_finess", "hors_referentiel", "au_dessus_plafonds", "deja_finance"} {
		i, ok := InfoAlerteDe(code)
		if !ok || i.Titre == "" || i.Explication == "" || i.AVerifier == "" {
			t.Errorf("%s: got %+v, %v; want a title, an explanation and what to check", code, i, ok)
		}
		if got := i.Fournisseur; got != (code == "cle_siret") {
			t.Errorf("%s: vendor-wide %v, want %v", code, got, code == "cle_siret")
		}
	}
	if n := len(InfosAlertes()); n != 5 {
		t.Errorf("got %d types of alerts, want 5", n)
	}
	if _, ok := InfoAlerteDe("inconnue"); ok {
		t.Error("unknown code: got known")
	}
	if got := ActionAlerteVue.Libelle(); got != "Alerte marquée vue" {
		t.Errorf("history label: got %q", got)
	}
}

func TestNouvelleAlerteVue(t *testing.T) {
	d := &Demande{NumeroASP: "ASP-2026-0000001", FournisseurID: 7}
	autre := &Demande{NumeroASP: "ASP-2026-0000002", FournisseurID: 7}
	tiers := &Demande{NumeroASP: "ASP-2026-0000003", FournisseurID: 8}
	al := []Alerte{{Code: "cle_siret"}, {Code: "hors_referentiel"}, {Code: "hors_referentiel"}}
	for _, tc := range []struct {
		name, code, raison string
		err                ErrorCode
	}{
		{"no reason", "cle_siret", "  ", EINVALID},
		{"alert not carried", "deja_finance", "vu", EINVALID},
		{"unknown", "x", "vu", EINVALID},
		{"too long", "cle_siret", strings.Repeat("a", 2001), EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NouvelleAlerteVue(d, al, tc.code, "marie@asp.fr", tc.raison)
			if e, ok := err.(*Error); !ok || e.Code != tc.err {
				t.Errorf("got %v, want %s", err, tc.err)
			}
		})
	}
	siret, err := NouvelleAlerteVue(d, al, "cle_siret", "marie@asp.fr", " vérifié ")
	if err != nil || siret.FournisseurID != 7 || siret.NumeroASP != "" || siret.Demande != d.NumeroASP || siret.Raison != "vérifié" {
		t.Fatalf("cle_siret: got %+v, %v; want vendor-wide", siret, err)
	}
	ref, err := NouvelleAlerteVue(d, al, "hors_referentiel", "marie@asp.fr", "éligible")
	if err != nil || ref.FournisseurID != 0 || ref.NumeroASP != d.NumeroASP {
		t.Fatalf("hors_referentiel: got %+v, %v; want on the request", ref, err)
	}
	vues := []AlerteVue{siret, ref}
	for _, tc := range []struct {
		d    *Demande
		want string
	}{
		{d, ""},
		{autre, "hors_referentiel,hors_referentiel"}, // the vendor's SIRET seen, not the other request's reference
		{tiers, "cle_siret,hors_referentiel,hors_referentiel"},
	} {
		var got []string
		for _, a := range NonVues(tc.d, al, vues) {
			got = append(got, a.Code)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s: got %v not seen, want %s", tc.d.NumeroASP, got, tc.want)
		}
	}
	if got := TitresAlertes(al); got != "Clé SIRET, hors référentiel" {
		t.Errorf("TitresAlertes: got %q", got)
	}
}
