package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// callsight eval scores an output against its truth: outcome and cause
// accuracy, the confusion, beep-end errors and false beeps, time to
// verdict, accuracy by the verdict reported live (the detector's first,
// audio.first_class when a later one replaced it), and outcome accuracy
// by the audio's loss, codec and noise, and by bursty loss and wide
// jitter; --min-accuracy fails a run below it.
// Replay output carries the measured jitter as a fraction of a ms.
func TestEval(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truth := write("truth.jsonl", `{"call_id":"a","outcome":"machine","q850":16,"beep_end_ms":4000,"audio":{"codec":"PCMU","loss":0.05,"burst_loss":true,"jitter_ms":30,"noise":"pink","snr_db":12}}
{"call_id":"b","outcome":"human","q850":16,"first_utterance_end_ms":900,"audio":{"codec":"PCMA","loss":0,"noise":null,"snr_db":null,"behind":"voices","behind_db":12.5,"silence_suppression":true}}
{"call_id":"c","outcome":"human","q850":16,"first_utterance_end_ms":700,"audio":{"codec":"PCMA","loss":0.02,"jitter_ms":8,"noise":"white","snr_db":25,"behind":"music","behind_db":10.1}}
{"call_id":"d","outcome":"busy","q850":17,"audio":{"codec":"PCMU","loss":0.05}}
`)
	out := write("out.jsonl", `{"call_id":"a","outcome":"machine","q850":16,"beep_end_ms":4030,"decided_ms":2500,"audio":{"codec":"PCMU","lost":9,"jitter_ms":12.5,"first_class":"human","first_ms":1900}}
{"call_id":"b","outcome":"human","q850":16,"decided_ms":1600}
{"call_id":"c","outcome":"machine","q850":16,"beep_end_ms":3000,"decided_ms":2400,"audio":{"class":"machine","first_class":"human","first_ms":1500}}
{"call_id":"d","outcome":"busy","q850":17}
`)
	var stdout, stderr bytes.Buffer
	if err := cmdEval([]string{"--truth", truth, out}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(stdout.String()), " ") // columns are padded
	for _, want := range []string{
		"outcome accuracy: 3/4 = 0.7500",
		"decisive cause accuracy: 4/4 = 1.0000",
		"beep end error: p50 30 ms, p95 30 ms over 1 beeps found; 0 of 1 beeps missed",
		"false beeps: 1 of 2 calls without a beep (50.00%)",
		"human verdict after the first utterance ends: p50 700 ms",
		// busy (d) is the signaling's: not counted by condition.
		"loss 0%                          1 / 1     100.00%",
		"loss 1-2%                        0 / 1       0.00%",
		"loss 5% or more                  1 / 1     100.00%",
		"µ-law (PCMU)                     1 / 1     100.00%",
		"A-law (PCMA)                     1 / 2      50.00%",
		"no background noise              1 / 1     100.00%",
		"noise, SNR 20 dB or more         0 / 1       0.00%",
		"noise, SNR under 20 dB           1 / 1     100.00%",
		// a's loss came in bursts and its jitter was ±30 ms; c's ±8 ms.
		"loss in bursts                   1 / 1     100.00%",
		"jitter 20 ms or more             1 / 1     100.00%",
		// b had voices behind it, c music (its false beep).
		"music behind                     0 / 1       0.00%",
		"voices behind                    1 / 1     100.00%",
		"silence suppressed               1 / 1     100.00%",
		// a was a person first (the verdict serve reports live), then its
		// beep made it a machine; c was a person first, then a false beep.
		"live (the first verdict, which serve reports first): 2 / 3 human, machine, switched-off, fax and silence calls right (66.67%, 66.67% at the end)",
		"2 changed later: 1 wrong first and right at the end, 1 right first and wrong at the end, 0 wrong both times",
		"truth human, first human: 1",
		"truth machine, first human: 1",
	} {
		if want = strings.Join(strings.Fields(want), " "); !strings.Contains(got, want) {
			t.Errorf("eval output lacks %q:\n%s", want, got)
		}
	}
	if err := cmdEval([]string{"--truth", truth, "--min-accuracy", "0.9", out}, &stdout, &stderr); err == nil {
		t.Error("--min-accuracy 0.9 at 75%: no error")
	}
}

// A Call-ID twice in the truth or in the output (two evaluation sets of
// one seed concatenated) is an error that names the file and both lines,
// not a score against the wrong truth.
func TestEvalDuplicateCallID(t *testing.T) {
	dir := t.TempDir()
	one := `{"call_id":"a","outcome":"human","q850":16}` + "\n"
	two := `{"call_id":"a","outcome":"machine","q850":16}` + "\n"
	for _, c := range []struct{ truth, out, where string }{
		{one + `{"call_id":"b","outcome":"busy","q850":17}` + "\n" + two, one, "truth.jsonl:3"},
		{one, one + two, "out.jsonl:2"},
	} {
		truth, out := filepath.Join(dir, "truth.jsonl"), filepath.Join(dir, "out.jsonl")
		if err := os.WriteFile(truth, []byte(c.truth), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, []byte(c.out), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := run([]string{"eval", "--truth", truth, out}, nil, &stdout, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), c.where) || !strings.Contains(stderr.String(), "call_id a again (first on line 1)") {
			t.Errorf("duplicate at %s: exit %d, stderr %q; want an error naming it", c.where, code, stderr.String())
		}
	}
}
