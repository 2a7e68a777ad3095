package analytics

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/callsight/callsight/outcome"
)

func TestSmoke(t *testing.T) {
	f, _ := os.Open("/tmp/corpus.jsonl")
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var calls []outcome.Call
	for sc.Scan() {
		var c outcome.Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
	}
	for _, spec := range []string{os.Getenv("SMOKE_SPEC")} {
		cfg := DefaultConfig()
		cfg.SpoolDir = t.TempDir()
		w, err := Open(context.Background(), spec, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range calls {
			w.WriteCall(&calls[i])
		}
		if err := w.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", w.Stats())
		for _, r := range Reports() {
			tb, err := Report(context.Background(), spec, r, ReportParams{})
			if err != nil {
				t.Error(err)
				continue
			}
			t.Log(r, tb.Columns, tb.Rows)
		}
	}
}
