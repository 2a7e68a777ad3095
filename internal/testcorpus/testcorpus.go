// Package testcorpus locates the shared corpus of public captures and
// recordings for tests. The corpus lives beside the repository, in
// ../shared/corpus, and is never copied into the repository.
package testcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the repository root: the nearest directory above the working
// directory that holds go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// Dir returns the shared corpus directory, or skips the test with a clear
// message when it is absent. CALLSIGHT_CORPUS overrides the location.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("CALLSIGHT_CORPUS"); d != "" {
		return d
	}
	root, err := Root()
	if err != nil {
		tb.Skipf("shared corpus: cannot find the repository root: %v", err)
	}
	d := filepath.Join(root, "..", "shared", "corpus")
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		tb.Skipf("shared corpus not found at %s: tests on real public captures are skipped", d)
	}
	return d
}

// File returns the path of one corpus file, or skips the test when the
// corpus or the file is absent.
func File(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared corpus file %s not found: %v", rel, err)
	}
	return p
}
