package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// replay --amd asterisk runs Asterisk AMD()'s rules instead of our
// detector: every answered call of the committed audio corpus gets AMD()'s
// HUMAN or MACHINE with its AMDCAUSE, at the moment AMD() decided, and no
// beep; the signaling side of every call is unchanged. --amd callsight is
// the default, byte for byte.
func TestReplayAsteriskAMD(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "pcaps", "audio", "*.pcap.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no audio corpus in pcaps/audio: %v", err)
	}
	def, stderr, code := replayOut(t, append([]string{"--amd", "callsight"}, files...)...)
	if code != 0 {
		t.Fatalf("replay --amd callsight exit %d: %s", code, stderr)
	}
	if want, err := os.ReadFile(filepath.Join("testdata", "audio.jsonl.golden")); err != nil || string(want) != def {
		t.Errorf("replay --amd callsight differs from testdata/audio.jsonl.golden (err %v)", err)
	}

	file := filepath.Join("..", "..", "pcaps", "audio", "audio-answered.pcap.gz")
	ours, _, _ := replayOut(t, file)
	ast, stderr, code := replayOut(t, "--amd", "asterisk", file)
	if code != 0 {
		t.Fatalf("replay --amd asterisk exit %d: %s", code, stderr)
	}
	if again, _, _ := replayOut(t, "--amd", "asterisk", file); again != ast {
		t.Error("two replays with --amd asterisk differ")
	}
	type call struct {
		CallID    string                          `json:"call_id"`
		Outcome   string                          `json:"outcome"`
		Answer    *string                         `json:"answer"`
		BeepEndMS *int64                          `json:"beep_end_ms"`
		DecidedMS *int64                          `json:"decided_ms"`
		Q850      *int                            `json:"q850"`
		Release   string                          `json:"released_by"`
		Audio     *struct{ Class, Reason string } `json:"audio"`
	}
	parse := func(out string) []call {
		var cs []call
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var c call
			if err := json.Unmarshal([]byte(l), &c); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			cs = append(cs, c)
		}
		return cs
	}
	oc, ac := parse(ours), parse(ast)
	if len(oc) != len(ac) || len(ac) == 0 {
		t.Fatalf("%d calls with --amd asterisk, %d with ours", len(ac), len(oc))
	}
	cause := regexp.MustCompile(`^(HUMAN-\d+-800|MAXWORDS-\d+-2|LONGGREETING-\d+-1500|INITIALSILENCE-\d+-2500|MAXWORDLENGTH-\d+)$`)
	answered := 0
	for i, c := range ac {
		o := oc[i]
		if c.CallID != o.CallID || (c.Q850 == nil) != (o.Q850 == nil) || c.Release != o.Release {
			t.Errorf("call %d: signaling differs: %+v and ours %+v", i, c, o)
		}
		if c.Answer == nil {
			continue
		}
		answered++
		if c.Audio == nil {
			t.Errorf("%s: answered, no audio", c.CallID)
			continue
		}
		if (c.Outcome != "human" && c.Outcome != "machine") || c.Audio.Class != c.Outcome {
			t.Errorf("%s: outcome %s, audio class %s: want AMD()'s human or machine", c.CallID, c.Outcome, c.Audio.Class)
		}
		if !cause.MatchString(c.Audio.Reason) || (c.Outcome == "human") != strings.HasPrefix(c.Audio.Reason, "HUMAN-") {
			t.Errorf("%s: %s with reason %q, want an AMDCAUSE of that status", c.CallID, c.Outcome, c.Audio.Reason)
		}
		if c.BeepEndMS != nil {
			t.Errorf("%s: beep_end_ms %d: AMD() detects no beep", c.CallID, *c.BeepEndMS)
		}
		// AMD() decides within total_analysis_time, on 20 ms frames.
		if c.DecidedMS == nil || *c.DecidedMS <= 0 || *c.DecidedMS >= 5000 {
			t.Errorf("%s: decided_ms %v, want within AMD()'s 5 s", c.CallID, c.DecidedMS)
		}
	}
	if answered == 0 {
		t.Fatal("no answered call in audio-answered.pcap.gz")
	}

	if _, stderr, code := replayOut(t, "--amd", "nope", file); code != 2 || !strings.Contains(stderr, `amd "nope"`) {
		t.Errorf("--amd nope: exit %d, %q; want usage error 2", code, stderr)
	}
}
