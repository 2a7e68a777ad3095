package gen

import "testing"

func TestDumpTmp(t *testing.T) {
	names, err := Corpus("/tmp/pc", DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Log(names)
}
