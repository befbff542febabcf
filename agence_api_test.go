package segur

import (
	"testing"
	"time"
)

// TestLire: each list of the agency's API opens to the roles of the pages
// that show its rows, with the roles held now; never to a disabled agent.
func TestLire(t *testing.T) {
	for _, tc := range []struct {
		roles []Role
		liste ListeAgence
		want  ErrorCode // "" allowed
	}{
		{[]Role{RoleInstructeur}, ListeDemandes, ""},
		{[]Role{RoleAdmin}, ListeDemandes, ""},
		{[]Role{RolePayeur}, ListeDemandes, EFORBIDDEN},
		{[]Role{RoleInstructeur}, ListeDepots, ""},
		{[]Role{RoleAdmin}, ListeDepots, ""},
		{[]Role{RolePayeur}, ListeDepots, EFORBIDDEN},
		{[]Role{RolePayeur}, ListeLots, ""},
		{[]Role{RoleInstructeur}, ListeLots, EFORBIDDEN},
		{[]Role{RoleAdmin}, ListeLots, EFORBIDDEN},
		{[]Role{RoleInstructeur}, ListeControles, ""},
		{[]Role{RolePayeur}, ListeControles, EFORBIDDEN},
		{[]Role{RoleAdmin}, ListeControles, EFORBIDDEN},
		{[]Role{RoleFournisseur}, ListeDemandes, EFORBIDDEN},
		{[]Role{RolePayeur, RoleInstructeur}, ListeLots, ""},
		{nil, ListeLots, EFORBIDDEN},
	} {
		u := &Utilisateur{Login: "a@asp.fr", Roles: tc.roles}
		err := u.Lire(tc.liste)
		if tc.want == "" && err != nil || tc.want != "" && !IsCode(err, tc.want) {
			t.Errorf("%v reading %s: got %v, want %q", tc.roles, tc.liste, err, tc.want)
		}
	}
	u := &Utilisateur{Roles: []Role{RoleInstructeur}, DesactiveLe: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	if err := u.Lire(ListeDemandes); !IsCode(err, EUNAUTHORIZED) {
		t.Errorf("disabled agent: got %v, want EUNAUTHORIZED", err)
	}
}
