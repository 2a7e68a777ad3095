package gen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed corpus in pcaps/")

// TestCorpusUpToDate regenerates the corpus and compares it with pcaps/.
// Run with -update to rewrite pcaps/.
func TestCorpusUpToDate(t *testing.T) {
	files, err := corpusFiles(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	readme := []byte(corpusReadme())
	if *update {
		if _, err := Corpus("..", DefaultConfig()); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "README.md"), readme, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	files = append(files, outFile{"README.md", readme})
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(f.name)))
		if err != nil {
			t.Errorf("%s: %v (run go test ./pcaps/gen -run TestCorpusUpToDate -update)", f.name, err)
			continue
		}
		if !bytes.Equal(got, f.data) {
			t.Errorf("%s differs from the generator output (run go test ./pcaps/gen -run TestCorpusUpToDate -update)", f.name)
		}
	}
}
