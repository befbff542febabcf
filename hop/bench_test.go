package hop

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// The benchmarks of the issue, on one generated 200-request file (about
// 430 KB): json.Valid is the floor; segur's full controls 1 and 2 with the
// writing of the returned file must take no longer.

func BenchmarkJSONValid(b *testing.B) {
	data := genererFichier(b, MaxDemandes)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if !json.Valid(data) {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkJSONUnmarshal(b *testing.B) {
	data := genererFichier(b, MaxDemandes)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkControler is segur check without a zip: controls 1 and 2 and the
// returned file.
func BenchmarkControler(b *testing.B) {
	benchmarkControler(b, genererFichier(b, MaxDemandes))
}

// BenchmarkControlerTabulations is BenchmarkControler on the same file
// indented with tabs: EcrireRetour then copies the requests line by line,
// rewriting the indentation.
func BenchmarkControlerTabulations(b *testing.B) {
	var data bytes.Buffer
	if err := json.Indent(&data, genererFichier(b, MaxDemandes), "", "\t"); err != nil {
		b.Fatal(err)
	}
	benchmarkControler(b, data.Bytes())
}

// BenchmarkControlerCompact is BenchmarkControler on the same file without
// blanks (about 280 KB): EcrireRetour then reads every request again, token
// by token, its slowest way.
func BenchmarkControlerCompact(b *testing.B) {
	var data bytes.Buffer
	if err := json.Compact(&data, genererFichier(b, MaxDemandes)); err != nil {
		b.Fatal(err)
	}
	benchmarkControler(b, data.Bytes())
}

func benchmarkControler(b *testing.B, data []byte) {
	d := depotExemple()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := Controler(data, d, Options{})
		if err != nil || res.Rejet != nil || res.Acceptees() != MaxDemandes {
			b.Fatalf("got %v %v, want every request accepted", err, res.Rejet)
		}
		if err := res.EcrireRetour(io.Discard, "", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkControlerSansRetour is the controls alone.
func BenchmarkControlerSansRetour(b *testing.B) {
	data := genererFichier(b, MaxDemandes)
	d := depotExemple()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Controler(data, d, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
