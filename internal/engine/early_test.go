package engine

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/pcaps/gen"
)

// Calls whose early media is a caller tune or a "please hold" notice and
// that a person or a voicemail then answers: replayed, each is what
// answered; live, the provisional announcement heard before the answer is
// followed by the answered verdict, inline and with audio workers. Calls
// that rang to a caller tune until the caller gave up stay no_answer.
func TestEarlyMediaThenAnswerLive(t *testing.T) {
	cache := needAudioTools(t)
	dir := t.TempDir()
	names, err := gen.Audio(dir, gen.DefaultConfig(), gen.AudioOptions{Calls: 100, CacheDir: cache, Engines: []string{gen.EngineEspeak, gen.EngineFlite}})
	if err != nil {
		t.Fatal(err)
	}
	var caps []string
	want := map[string]gen.Truth{}
	for _, n := range names {
		if strings.HasSuffix(n, ".truth.jsonl") {
			for _, tr := range readTruth(t, filepath.Join(dir, n)) {
				if tr.Audio != nil && (tr.Audio.EarlyMedia == "tune" || tr.Audio.EarlyMedia == "notice") {
					want[tr.CallID] = tr
				}
			}
		} else {
			caps = append(caps, filepath.Join(dir, n))
		}
	}
	if len(want) < 5 {
		t.Fatalf("only %d calls with a caller tune or a notice in 100", len(want))
	}
	for _, workers := range []int{0, 2} {
		cfg := DefaultConfig()
		cfg.AudioWorkers = workers
		cfg.AudioQueue = 1 << 18 // a file replayed at full speed: room for all of it, nothing shed
		var mu sync.Mutex
		verdicts := map[string][]VerdictEvent{}
		cfg.OnVerdict = func(v VerdictEvent) {
			mu.Lock()
			defer mu.Unlock()
			if v.Kind == "verdict" {
				verdicts[v.CallID] = append(verdicts[v.CallID], v)
			}
		}
		calls := map[string]*outcome.Call{}
		st := replayWith(t, cfg, func(c *outcome.Call) { calls[c.CallID] = c }, caps...)
		if n := st.AudioShedPackets; n > 0 {
			t.Fatalf("workers %d: %d packets shed", workers, n)
		}
		provisional, unanswered := 0, 0
		for id, tr := range want {
			c := calls[id]
			if c == nil || string(c.Outcome) != tr.Outcome {
				t.Errorf("workers %d: %s after a %s: outcome %v, want %s; audio %+v", workers, id, tr.Audio.EarlyMedia, outcomeOf(c), tr.Outcome, c.Audio)
				continue
			}
			vs := verdicts[id]
			if tr.Outcome == string(outcome.NoAnswer) {
				// A caller tune until the caller gave up: live, at most the
				// provisional announcement was said.
				unanswered++
				for _, v := range vs {
					if !v.Provisional {
						t.Errorf("workers %d: %s (no answer after a caller tune): live verdict %+v", workers, id, v)
					}
				}
				continue
			}
			if len(vs) == 0 {
				t.Errorf("workers %d: %s: no live verdict", workers, id)
				continue
			}
			last := vs[len(vs)-1]
			if last.Class != tr.Outcome || last.Answer.IsZero() || last.At.Before(last.Answer) {
				t.Errorf("workers %d: %s: last live verdict %+v, want %s after the answer", workers, id, last, tr.Outcome)
			}
			if len(vs) == 2 && vs[0].Class == "announcement" && vs[0].Provisional && vs[0].At.Before(last.Answer) {
				provisional++
			} else if len(vs) != 1 {
				t.Errorf("workers %d: %s: live verdicts %+v", workers, id, vs)
			}
		}
		if provisional == 0 {
			t.Errorf("workers %d: no call had a provisional announcement before its answer", workers)
		}
		if unanswered == 0 {
			t.Errorf("workers %d: no unanswered call rang to a caller tune", workers)
		}
		t.Logf("workers %d: %d calls with a caller tune or a notice (%d unanswered), %d answered after a provisional announcement", workers, len(want), unanswered, provisional)
	}
}
