package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callsight/callsight/internal/testcorpus"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

func replayOut(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"replay", "--store", "none", "--quiet"}, args...), nil, &out, &errb)
	return out.String(), errb.String(), code
}

// The committed corpus replays to its golden JSONL, byte for byte, twice.
func TestGoldenCorpus(t *testing.T) {
	files := corpusFiles(t, filepath.Join("..", "..", "pcaps"))
	if len(files) == 0 {
		t.Fatal("no committed corpus in pcaps/")
	}
	for _, format := range []string{"jsonl", "events"} {
		got, stderr, code := replayOut(t, append([]string{"--format", format}, files...)...)
		if code != 0 {
			t.Fatalf("replay exit %d: %s", code, stderr)
		}
		again, _, _ := replayOut(t, append([]string{"--format", format}, files...)...)
		if got != again {
			t.Fatalf("%s: two replays of the same files differ", format)
		}
		golden := filepath.Join("testdata", "corpus."+format+".golden")
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if d := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); d != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", format, golden, d)
		}
	}
}

// Every call in the committed corpus has the outcome and decisive cause its
// truth file gives, and no call is missing or invented.
func TestCorpusTruth(t *testing.T) {
	dir := filepath.Join("..", "..", "pcaps")
	files := corpusFiles(t, dir)
	var truth []truthCall
	for _, f := range files {
		tf := truthPath(f)
		tc, err := readCalls(tf)
		if err != nil {
			t.Fatalf("truth for %s: %v", f, err)
		}
		truth = append(truth, tc...)
	}
	out, stderr, code := replayOut(t, files...)
	if code != 0 {
		t.Fatalf("replay exit %d: %s", code, stderr)
	}
	tmp := filepath.Join(t.TempDir(), "out.jsonl")
	if err := os.WriteFile(tmp, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readCalls(tmp)
	if err != nil {
		t.Fatal(err)
	}
	s := score(truth, got)
	for _, m := range s.Mismatches {
		t.Error(m)
	}
	if s.Extra != 0 {
		t.Errorf("%d calls in the output are not in the truth", s.Extra)
	}
	if len(truth) < 20 {
		t.Errorf("only %d labelled calls in the corpus", len(truth))
	}
	t.Logf("%d calls, %d correct, %d causes checked", s.Truth, s.Correct, s.CauseChecked)
}

func truthPath(capture string) string {
	base := capture
	for _, ext := range []string{".gz", ".pcapng", ".pcap"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base + ".truth.jsonl"
}

// Bad input: a clear message, processing goes on, no panic; only a file
// that is not a capture makes the exit status non-zero.
func TestBadInput(t *testing.T) {
	bad := filepath.Join("..", "..", "pcaps", "bad")
	entries, err := os.ReadDir(bad)
	if err != nil {
		t.Fatalf("bad-input corpus: %v", err)
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".md") || strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		path := filepath.Join(bad, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run([]string{"replay", "--store", "none", path}, nil, &out, &errb)
			notCapture := strings.Contains(e.Name(), "not-a-capture") || strings.Contains(e.Name(), "zero-length")
			if notCapture && code != 1 {
				t.Errorf("exit %d, want 1 for a file that is not a capture; stderr:\n%s", code, errb.String())
			}
			if !notCapture && code != 0 {
				t.Errorf("exit %d, want 0 (decode what can be decoded); stderr:\n%s", code, errb.String())
			}
			if !strings.Contains(errb.String(), "summary:") {
				t.Errorf("no summary on stderr:\n%s", errb.String())
			}
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if line != "" && !json.Valid([]byte(line)) {
					t.Errorf("invalid JSON line %q", line)
				}
			}
			t.Logf("stderr:\n%s", errb.String())
		})
	}
	// A missing file and a non-capture among good files: the good ones are
	// still replayed.
	good := corpusFiles(t, filepath.Join("..", "..", "pcaps"))[0]
	var out, errb bytes.Buffer
	code := run([]string{"replay", "--store", "none", filepath.Join(bad, "not-a-capture.txt"), good}, nil, &out, &errb)
	if code != 1 || out.Len() == 0 {
		t.Errorf("mixed good and bad files: exit %d, %d bytes out; want exit 1 and the good file's calls", code, out.Len())
	}
}

// Hostile SIP from the shared corpus replays without a panic and still
// yields the decodable calls.
func TestSharedCorpusNoPanic(t *testing.T) {
	dir := testcorpus.Dir(t)
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng") || strings.HasSuffix(p, ".cap")) {
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		_, stderr, code := replayOut(t, f)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", f, code, stderr)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"replay"},
		{"replay", "--format", "xml", "x.pcap"},
		{"replay", "--sip-mapping", "nope", "x.pcap"},
		{"replay", "--machine-speech", "-1s", "x.pcap"},
		{"replay", "--human-silence-long", "0s", "x.pcap"},
		{"nonsense"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, nil, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage); stderr %s", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"replay", "--store", "nonsense:x", "x.pcap"}, nil, &out, &errb); code == 0 {
		t.Errorf("--store nonsense:x: exit 0, want an error")
	}
	if code := run([]string{"replay", "--store", "none", "--format", "table", "/nonexistent.pcap"}, nil, &out, &errb); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

// decidedWith replays the committed corpus with extra flags and returns
// when each call of outcome, decided for reason, was decided.
func decidedWith(t *testing.T, outcome, reason string, flags ...string) map[string]int64 {
	t.Helper()
	files, _ := filepath.Glob("../../pcaps/audio/*.pcap.gz")
	var out, errb bytes.Buffer
	args := append(append([]string{"replay", "--store", "none", "--quiet"}, flags...), files...)
	if code := run(args, nil, &out, &errb); code != 0 {
		t.Fatalf("%v: exit %d: %s", flags, code, errb.String())
	}
	got := map[string]int64{}
	for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var c struct {
			CallID    string `json:"call_id"`
			Outcome   string `json:"outcome"`
			DecidedMS *int64 `json:"decided_ms"`
			Audio     *struct {
				Reason string `json:"reason"`
			} `json:"audio"`
		}
		if err := json.Unmarshal(line, &c); err != nil {
			t.Fatal(err)
		}
		if c.Outcome == outcome && c.DecidedMS != nil && c.Audio != nil && c.Audio.Reason == reason {
			got[c.CallID] = *c.DecidedMS
		}
	}
	return got
}

// sooner checks that every call of def is decided no later in short, and
// some sooner.
func sooner(t *testing.T, what string, def, short map[string]int64) {
	t.Helper()
	if len(def) == 0 {
		t.Fatalf("%s: no call of the kind in pcaps/audio", what)
	}
	n := 0
	for id, ms := range def {
		if s, ok := short[id]; ok {
			if s > ms {
				t.Errorf("%s: %s decided at %d ms, later than %d ms by default", what, id, s, ms)
			}
			if s < ms {
				n++
			}
		}
	}
	if n == 0 {
		t.Errorf("%s: no call decided sooner: %v vs %v", what, short, def)
	}
}

// --machine-speech moves the machine verdict: a shorter threshold decides
// the committed corpus's machines sooner, none later.
func TestMachineSpeechFlag(t *testing.T) {
	def := decidedWith(t, "machine", "long greeting", "--machine-speech", "2.1s")
	sooner(t, "--machine-speech 1.6s", def, decidedWith(t, "machine", "long greeting", "--machine-speech", "1.6s"))
}

// --human-silence and --human-silence-long move the person's verdict after
// the first utterance: shorter pauses decide the committed corpus's people
// sooner, none later.
func TestHumanSilenceFlags(t *testing.T) {
	const reason = "short utterance then silence"
	def := decidedWith(t, "human", reason)
	sooner(t, "--human-silence 500ms", def, decidedWith(t, "human", reason, "--human-silence", "500ms"))
	sooner(t, "--human-silence-long 700ms", def, decidedWith(t, "human", reason, "--human-silence-long", "700ms"))
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.json")
	os.WriteFile(cfg, []byte(`{"format": "xml"}`), 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"replay", "--config", cfg, "x.pcap"}, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "xml") {
		t.Errorf("config format xml: exit %d, stderr %q; want a usage error naming xml", code, errb.String())
	}
	os.WriteFile(cfg, []byte(`{"colour": "red"}`), 0o644)
	errb.Reset()
	if code := run([]string{"replay", "--config", cfg, "x.pcap"}, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "colour") {
		t.Errorf("unknown setting: exit %d, stderr %q", code, errb.String())
	}
}

// The committed calls with audio: the detector and fusion must get them
// right (a person hung up on as a machine is the worst error), and replay
// must be byte-identical run to run.
func TestAudioCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "pcaps", "audio", "*.pcap.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no audio corpus in pcaps/audio: %v", err)
	}
	var truth []truthCall
	for _, f := range files {
		tc, err := readCalls(truthPath(f))
		if err != nil {
			t.Fatal(err)
		}
		truth = append(truth, tc...)
	}
	out, stderr, code := replayOut(t, files...)
	if code != 0 {
		t.Fatalf("replay exit %d: %s", code, stderr)
	}
	if again, _, _ := replayOut(t, files...); again != out {
		t.Fatal("two replays of the audio corpus differ")
	}
	golden := filepath.Join("testdata", "audio.jsonl.golden")
	if *update {
		os.WriteFile(golden, []byte(out), 0o644)
	}
	if want, err := os.ReadFile(golden); err != nil || string(want) != out {
		t.Errorf("audio corpus output differs from %s (go test -update rewrites it after a deliberate change)", golden)
	}
	tmp := filepath.Join(t.TempDir(), "out.jsonl")
	os.WriteFile(tmp, []byte(out), 0o644)
	got, err := readCalls(tmp)
	if err != nil {
		t.Fatal(err)
	}
	s := score(truth, got)
	var buf bytes.Buffer
	writeScore(&buf, s, true)
	t.Logf("\n%s", buf.String())
	if s.Missing != 0 || s.Extra != 0 {
		t.Errorf("%d calls missing, %d extra", s.Missing, s.Extra)
	}
	if s.CauseCorrect != s.CauseChecked {
		t.Errorf("decisive cause right on %d of %d calls", s.CauseCorrect, s.CauseChecked)
	}
	if acc := frac(s.Correct, s.Truth); acc < 0.95 {
		t.Errorf("outcome accuracy %.3f, want at least 0.95", acc)
	}
	if n := s.Confusion["human"]["machine"]; n > 0 {
		t.Errorf("%d people classified as machines", n)
	}
	if s.BeepMissed > 0 || s.FalseBeeps > 0 {
		t.Errorf("%d beeps missed, %d false beeps", s.BeepMissed, s.FalseBeeps)
	}
	if p := percentile(s.BeepErrors, 95); p > 120 {
		t.Errorf("beep end error p95 %.0f ms, want at most 120", p)
	}
}

// explain draws a call of the audio corpus as a PNG.
func TestExplain(t *testing.T) {
	file := filepath.Join("..", "..", "pcaps", "audio", "audio-answered.pcap.gz")
	out, _, code := replayOut(t, file)
	if code != 0 {
		t.Fatal("replay failed")
	}
	var c struct {
		CallID string `json:"call_id"`
	}
	json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &c)
	png := filepath.Join(t.TempDir(), "call.png")
	var o, e bytes.Buffer
	if code := run([]string{"explain", "--call", c.CallID, "--out", png, file}, nil, &o, &e); code != 0 {
		t.Fatalf("explain exit %d: %s", code, e.String())
	}
	b, err := os.ReadFile(png)
	if err != nil || len(b) < 1000 || string(b[1:4]) != "PNG" {
		t.Fatalf("explain wrote no PNG: %v (%d bytes)", err, len(b))
	}
	if code := run([]string{"explain", "--call", "no-such-call", "--out", png, file}, nil, &o, &e); code == 0 {
		t.Error("explain of an unknown call succeeded")
	}
}
