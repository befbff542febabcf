package hop

import "testing"

func TestSIRET(t *testing.T) {
	tests := []struct {
		name      string
		siret     string
		valide    bool // format
		cleValide bool // check key
	}{
		{"La Poste head office (Luhn holds too)", "35600000000048", true, true},
		{"La Poste establishment, digit sum 45", "35600000049837", true, true},
		{"La Poste, digit sum 25 without Luhn", "35600000012341", true, true},
		{"La Poste, digit sum 29", "35600000012345", true, false},
		{"Wikipedia's example", "73282932000074", true, true},
		{"Google France", "44306184100047", true, true},
		{"EDF head office", "55208131766522", true, true},
		{"the document's example fails its key", "88558855858745", true, false},
		{"one digit changed", "73282932000075", true, false},
		{"two digits swapped", "73282932000047", true, false},
		{"13 digits", "7328293200007", false, false},
		{"15 digits", "732829320000740", false, false},
		{"blanks", "732 829 320 00074", false, false},
		{"a letter", "7328293200007A", false, false},
		{"non-ASCII digit", "7328293200007٤", false, false},
		{"empty", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SIRETValide(tt.siret); got != tt.valide {
				t.Errorf("SIRETValide(%q): got %v, want %v", tt.siret, got, tt.valide)
			}
			if got := SIRETCleValide(tt.siret); got != tt.cleValide {
				t.Errorf("SIRETCleValide(%q): got %v, want %v", tt.siret, got, tt.cleValide)
			}
		})
	}
}

func TestSIRENCleValide(t *testing.T) {
	tests := []struct {
		name  string
		siren string
		want  bool
	}{
		{"Wikipedia's example", "732829320", true},
		{"Google France", "443061841", true},
		{"EDF", "552081317", true},
		{"La Poste", "356000000", true},
		{"the document's SIREN holds (its SIRET does not)", "885588558", true},
		{"one digit changed", "732829321", false},
		{"8 digits", "73282932", false},
		{"SIRET", "73282932000074", false},
		{"a letter", "73282932A", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SIRENCleValide(tt.siren); got != tt.want {
				t.Errorf("SIRENCleValide(%q): got %v, want %v", tt.siren, got, tt.want)
			}
		})
	}
}

func TestFINESS(t *testing.T) {
	tests := []struct {
		name      string
		finess    string
		valide    bool
		cleValide bool
	}{
		{"AP-HP", "750712184", true, true},
		{"Hospices civils de Lyon", "690781810", true, true},
		{"AP-HM", "130786049", true, true},
		{"the document's example fails its key", "999999999", true, false},
		{"the example's second site", "999999991", true, false},
		{"one digit changed", "750712185", true, false},
		{"Corse-du-Sud, no key checked", "2A0000017", true, true},
		{"Haute-Corse, no key checked", "2B0000012", true, true},
		{"Corsica, any last digit", "2A0000010", true, true},
		{"lower-case department", "2a0000017", false, false},
		{"2C is no department", "2C0000017", false, false},
		{"letter elsewhere", "7507A2184", false, false},
		{"2A with a letter", "2A000001A", false, false},
		{"8 digits", "75071218", false, false},
		{"10 digits", "7507121840", false, false},
		{"blank", "750712184 ", false, false},
		{"empty", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FINESSValide(tt.finess); got != tt.valide {
				t.Errorf("FINESSValide(%q): got %v, want %v", tt.finess, got, tt.valide)
			}
			if got := FINESSCleValide(tt.finess); got != tt.cleValide {
				t.Errorf("FINESSCleValide(%q): got %v, want %v", tt.finess, got, tt.cleValide)
			}
		})
	}
}

func TestNormaliserIBAN(t *testing.T) {
	tests := []struct {
		name, iban, want string
	}{
		{"paper form", "FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"},
		{"lower case", "gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"},
		{"tabs and no-break spaces", "\tFR76\u00a03000 6000\u202f0112 3456 7890 189\n", "FR7630006000011234567890189"},
		{"already electronic", "DE89370400440532013000", "DE89370400440532013000"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormaliserIBAN(tt.iban); got != tt.want {
				t.Errorf("NormaliserIBAN(%q): got %q, want %q", tt.iban, got, tt.want)
			}
		})
	}
}

func TestIBANValide(t *testing.T) {
	tests := []struct {
		name string
		iban string
		want bool
	}{
		{"France", "FR7630006000011234567890189", true},
		{"France, letters in the account", "FR1420041010050500013M02606", true},
		{"ISO 13616 example", "GB82WEST12345698765432", true},
		{"Germany", "DE89370400440532013000", true},
		{"Belgium", "BE68539007547034", true},
		{"Netherlands", "NL91ABNA0417164300", true},
		{"Switzerland", "CH9300762011623852957", true},
		{"Italy", "IT60X0542811101000000123456", true},
		{"Spain", "ES9121000418450200051332", true},
		{"France, after normalising", NormaliserIBAN("fr76 3000 6000 0112 3456 7890 189"), true},
		{"wrong key", "FR7630006000011234567890188", false},
		{"check digits changed", "FR7730006000011234567890189", false},
		{"two digits swapped", "FR7630006000011234567890198", false},
		{"check digits 00 never issued", "FR0030006000011234567890102", false},
		{"check digits 01 never issued", "FR0130006000011234567890181", false},
		{"check digits 99 never issued", "FR9930006000011234567890163", false},
		{"French too short", "FR763000600001123456789018", false},
		{"French too long", "FR76300060000112345678901890", false},
		{"British length for France", "FR82WEST12345698765432", false},
		{"unknown country", "XX7630006000011234567890189", false},
		{"country outside SEPA", "US64SVBKUS6S3300958879", false},
		{"paper form", "FR76 3000 6000 0112 3456 7890 189", false},
		{"lower case", "gb82west12345698765432", false},
		{"letters as check digits", "GBABWEST12345698765432", false},
		{"punctuation", "GB82WEST1234569876543-", false},
		{"non-ASCII", "GB82WEST1234569876543É", false},
		{"country only", "FR", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IBANValide(tt.iban); got != tt.want {
				t.Errorf("IBANValide(%q): got %v, want %v", tt.iban, got, tt.want)
			}
		})
	}
}

func TestBICValide(t *testing.T) {
	tests := []struct {
		name string
		bic  string
		want bool
	}{
		{"Banque de France, 8 characters", "BDFEFRPP", true},
		{"Banque de France, with branch", "BDFEFRPPCCT", true},
		{"BNP Paribas", "BNPAFRPPXXX", true},
		{"ISO 9362 example", "DEUTDEFF", true},
		{"digits in the location", "NEDSZAJJ", true},
		{"digits in location and branch", "BKAUATWW123", true},
		{"test BIC (location 0)", "ABCDFR01", true},
		{"lower case", "bdfefrpp", false},
		{"digit in the bank code", "BDF1FRPP", false},
		{"digit in the country", "BDFEF1PP", false},
		{"lower-case location", "BDFEFRpp", false},
		{"9 characters", "BDFEFRPPC", false},
		{"10 characters", "BDFEFRPPCC", false},
		{"12 characters", "BDFEFRPPCCTX", false},
		{"7 characters", "BDFEFRP", false},
		{"blank", "BDFE FRPP", false},
		{"punctuation in the branch", "BDFEFRPP-CT", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BICValide(tt.bic); got != tt.want {
				t.Errorf("BICValide(%q): got %v, want %v", tt.bic, got, tt.want)
			}
		})
	}
}
