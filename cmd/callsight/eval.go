package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"

	"github.com/callsight/callsight/outcome"
)

// truthCall is one labelled call: the fields eval scores.
type truthCall struct {
	CallID    string          `json:"call_id"`
	Outcome   outcome.Outcome `json:"outcome"`
	Q850      *uint8          `json:"q850"`
	SIPStatus *int            `json:"sip_status"`
	Called    string          `json:"called"`
	// Audio truth and results (null when absent).
	BeepEndMS           *int64 `json:"beep_end_ms"`
	DecidedMS           *int64 `json:"decided_ms"`
	FirstUtteranceEndMS *int64 `json:"first_utterance_end_ms"`
	// Audio is the truth's description of the call's audio (codec, loss,
	// noise); only truth files have these fields.
	Audio *truthAudio `json:"audio"`
}

// truthAudio is what a truth file says of the conditions a call's audio
// was made in.
type truthAudio struct {
	Codec     string   `json:"codec"`
	Loss      float64  `json:"loss"`
	BurstLoss bool     `json:"burst_loss"`
	JitterMS  float64  `json:"jitter_ms"`
	Noise     string   `json:"noise"`
	SNRdB     *float64 `json:"snr_db"`
	Behind    string   `json:"behind"`
	VAD       bool     `json:"silence_suppression"`
	// FirstClass is, in replay output, the detector's first verdict when
	// the audio after it changed it (outcome.Audio.FirstClass).
	FirstClass string `json:"first_class"`
}

// conditions are the audio conditions eval breaks outcome accuracy down
// by, in the order printed: a label and whether a call's audio has it.
var conditions = []struct {
	name string
	of   func(a *truthAudio) bool
}{
	{"loss 0%", func(a *truthAudio) bool { return lossPct(a) <= 0 }},
	{"loss 1-2%", func(a *truthAudio) bool { return lossPct(a) > 0 && lossPct(a) <= 2 }},
	{"loss 3-4%", func(a *truthAudio) bool { return lossPct(a) > 2 && lossPct(a) < 5 }},
	{"loss 5% or more", func(a *truthAudio) bool { return lossPct(a) >= 5 }},
	{"µ-law (PCMU)", func(a *truthAudio) bool { return a.Codec == "PCMU" }},
	{"A-law (PCMA)", func(a *truthAudio) bool { return a.Codec == "PCMA" }},
	{"no background noise", func(a *truthAudio) bool { return !noisy(a) }},
	{"noise, SNR 20 dB or more", func(a *truthAudio) bool { return noisy(a) && *a.SNRdB >= 20 }},
	{"noise, SNR under 20 dB", func(a *truthAudio) bool { return noisy(a) && *a.SNRdB < 20 }},
	{"loss in bursts", func(a *truthAudio) bool { return a.BurstLoss }},
	{"jitter 20 ms or more", func(a *truthAudio) bool { return a.JitterMS >= 20 }},
	{"music behind", func(a *truthAudio) bool { return a.Behind == "music" }},
	{"voices behind", func(a *truthAudio) bool { return a.Behind == "voices" }},
	{"silence suppressed", func(a *truthAudio) bool { return a.VAD }},
}

func lossPct(a *truthAudio) float64 { return math.Round(a.Loss * 100) }

func noisy(a *truthAudio) bool {
	return a.Noise != "" && a.Noise != "digital_silence" && a.SNRdB != nil
}

// conditionsOf labels a call's audio with the conditions it has.
func conditionsOf(a *truthAudio) []string {
	var out []string
	for _, c := range conditions {
		if c.of(a) {
			out = append(out, c.name)
		}
	}
	return out
}

func readCalls(path string) ([]truthCall, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []truthCall
	lineOf := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c truthCall
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if c.CallID == "" {
			return nil, fmt.Errorf("%s:%d: no call_id", path, line)
		}
		if first, ok := lineOf[c.CallID]; ok {
			// Calls are matched by Call-ID: a second one would be scored
			// against the wrong truth. Evaluation sets drawn with one seed
			// (with and without music, voices or suppression) share their
			// Call-IDs, so files of several sets cannot be concatenated.
			return nil, fmt.Errorf("%s:%d: call_id %s again (first on line %d): calls are matched by Call-ID; score each set on its own", path, line, c.CallID, first)
		}
		lineOf[c.CallID] = line
		out = append(out, c)
	}
	return out, sc.Err()
}

// Score is the result of comparing replay output with truth.
type Score struct {
	Truth, Output, Matched, Missing, Extra int
	Correct                                int
	CauseChecked, CauseCorrect             int
	Confusion                              map[outcome.Outcome]map[outcome.Outcome]int // truth -> got
	Mismatches                             []string
	// Audio: beep-end errors (ms, absolute) where truth has a beep and we
	// found one; beeps missed; beeps reported on calls without one.
	BeepErrors             []float64
	BeepMissed, FalseBeeps int
	NoBeepCalls            int
	// Time to verdict per truth class, ms from answer; for humans also
	// from the end of the first utterance.
	Decided         map[outcome.Outcome][]float64
	HumanAfterFirst []float64
	// ByCondition counts, per audio condition of the truth, the calls
	// whose outcome the audio decides (human, machine, switched off, fax,
	// silence) and those whose outcome is right.
	ByCondition map[string][2]int
	// Live: of those calls (Live[0]), the ones right by the verdict serve
	// reports live, the detector's first (Live[1]); the calls whose verdict
	// changed later, wrong first and right at the end (Live[2]), right
	// first and wrong at the end (Live[3]), wrong both times (Live[4]).
	Live [5]int
	// LiveConfusion counts truth -> live outcome for the calls whose
	// verdict changed.
	LiveConfusion map[outcome.Outcome]map[outcome.Outcome]int
}

// liveOutcome is the outcome the verdict reported live gives a call:
// the output's, or, when the audio after the first verdict changed it,
// the first verdict's.
func liveOutcome(g truthCall) outcome.Outcome {
	if g.Audio == nil || g.Audio.FirstClass == "" {
		return g.Outcome
	}
	switch g.Audio.FirstClass {
	case "human", "machine", "fax", "silence":
		return outcome.Outcome(g.Audio.FirstClass)
	case "announcement":
		return outcome.SwitchedOff
	}
	return outcome.Answered // busy, ringback or unknown: no verdict a controller acts on
}

func score(truth, got []truthCall) Score {
	s := Score{Truth: len(truth), Output: len(got), Confusion: map[outcome.Outcome]map[outcome.Outcome]int{}, Decided: map[outcome.Outcome][]float64{},
		ByCondition: map[string][2]int{}, LiveConfusion: map[outcome.Outcome]map[outcome.Outcome]int{}}
	byID := make(map[string]truthCall, len(got))
	for _, g := range got {
		byID[g.CallID] = g
	}
	seen := map[string]bool{}
	for _, t := range truth {
		g, ok := byID[t.CallID]
		if !ok {
			s.Missing++
			s.Mismatches = append(s.Mismatches, fmt.Sprintf("missing call %s (truth %s)", t.CallID, t.Outcome))
			continue
		}
		seen[t.CallID] = true
		s.Matched++
		if s.Confusion[t.Outcome] == nil {
			s.Confusion[t.Outcome] = map[outcome.Outcome]int{}
		}
		s.Confusion[t.Outcome][g.Outcome]++
		if g.Outcome == t.Outcome {
			s.Correct++
		} else {
			s.Mismatches = append(s.Mismatches, fmt.Sprintf("call %s: outcome %s, truth %s", t.CallID, g.Outcome, t.Outcome))
		}
		scoreAudio(&s, t, g)
		if audioClass(t.Outcome) || t.Outcome == outcome.SwitchedOff {
			live := liveOutcome(g)
			s.Live[0]++
			if live == t.Outcome {
				s.Live[1]++
			}
			if g.Audio != nil && g.Audio.FirstClass != "" {
				switch {
				case live != t.Outcome && g.Outcome == t.Outcome:
					s.Live[2]++
				case live == t.Outcome && g.Outcome != t.Outcome:
					s.Live[3]++
				case live != t.Outcome:
					s.Live[4]++
				}
				if s.LiveConfusion[t.Outcome] == nil {
					s.LiveConfusion[t.Outcome] = map[outcome.Outcome]int{}
				}
				s.LiveConfusion[t.Outcome][live]++
			}
		}
		if t.Audio != nil && (audioClass(t.Outcome) || t.Outcome == outcome.SwitchedOff) {
			for _, c := range conditionsOf(t.Audio) {
				n := s.ByCondition[c]
				n[1]++
				if g.Outcome == t.Outcome {
					n[0]++
				}
				s.ByCondition[c] = n
			}
		}
		s.CauseChecked++
		if (g.Q850 == nil) == (t.Q850 == nil) && (t.Q850 == nil || *g.Q850 == *t.Q850) {
			s.CauseCorrect++
		} else {
			s.Mismatches = append(s.Mismatches, fmt.Sprintf("call %s: q850 %s, truth %s", t.CallID, ptrStr(g.Q850), ptrStr(t.Q850)))
		}
	}
	for _, g := range got {
		if !seen[g.CallID] {
			s.Extra++
		}
	}
	return s
}

func ptrStr(p *uint8) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	truthPath := fs.String("truth", "", "truth JSONL (from callsight gen)")
	minAcc := fs.Float64("min-accuracy", 0, "exit 1 when outcome accuracy (or decisive-cause accuracy) is below this fraction")
	verbose := fs.Bool("v", false, "list every mismatch")
	fs.String("config", "", "JSON file of flag settings")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: callsight eval --truth T.jsonl OUT.jsonl")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *truthPath == "" || fs.NArg() != 1 {
		return usageError{errors.New("want --truth T.jsonl and one replay output file")}
	}
	truth, err := readCalls(*truthPath)
	if err != nil {
		return err
	}
	got, err := readCalls(fs.Arg(0))
	if err != nil {
		return err
	}
	s := score(truth, got)
	writeScore(stdout, s, *verbose)
	acc := frac(s.Correct, s.Truth)
	cacc := frac(s.CauseCorrect, s.CauseChecked)
	if *minAcc > 0 && (acc < *minAcc || (s.CauseChecked > 0 && cacc < *minAcc)) {
		return fmt.Errorf("accuracy %.4f, cause accuracy %.4f: below %.4f", acc, cacc, *minAcc)
	}
	return nil
}

func frac(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func writeScore(w io.Writer, s Score, verbose bool) {
	fmt.Fprintf(w, "calls: truth %d, output %d, matched %d, missing %d, extra %d\n", s.Truth, s.Output, s.Matched, s.Missing, s.Extra)
	fmt.Fprintf(w, "outcome accuracy: %d/%d = %.4f\n", s.Correct, s.Truth, frac(s.Correct, s.Truth))
	fmt.Fprintf(w, "decisive cause accuracy: %d/%d = %.4f\n\n", s.CauseCorrect, s.CauseChecked, frac(s.CauseCorrect, s.CauseChecked))
	// Classes present in truth or output, in the fixed outcome order.
	present := map[outcome.Outcome]bool{}
	for t, row := range s.Confusion {
		present[t] = true
		for g := range row {
			present[g] = true
		}
	}
	var classes []outcome.Outcome
	for _, o := range outcome.All {
		if present[o] {
			classes = append(classes, o)
		}
	}
	fmt.Fprintf(w, "confusion (rows truth, columns output):\n%-13s", "")
	for _, g := range classes {
		fmt.Fprintf(w, " %12s", g)
	}
	fmt.Fprintln(w)
	for _, t := range classes {
		fmt.Fprintf(w, "%-13s", t)
		for _, g := range classes {
			fmt.Fprintf(w, " %12d", s.Confusion[t][g])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n%-13s %9s %9s %9s %7s\n", "class", "precision", "recall", "f1", "support")
	for _, c := range classes {
		tp, fp, fn := 0, 0, 0
		for t, row := range s.Confusion {
			for g, n := range row {
				switch {
				case t == c && g == c:
					tp += n
				case g == c:
					fp += n
				case t == c:
					fn += n
				}
			}
		}
		p, r := frac(tp, tp+fp), frac(tp, tp+fn)
		f1 := 0.0
		if p+r > 0 {
			f1 = 2 * p * r / (p + r)
		}
		fmt.Fprintf(w, "%-13s %9.4f %9.4f %9.4f %7d\n", c, p, r, f1, tp+fn)
	}
	writeAudioScore(w, s)
	if verbose || len(s.Mismatches) <= 20 {
		sort.Strings(s.Mismatches)
		for _, m := range s.Mismatches {
			fmt.Fprintln(w, "mismatch:", m)
		}
	} else {
		fmt.Fprintf(w, "%d mismatches (-v lists them)\n", len(s.Mismatches))
	}
}

// audioClasses are the outcomes only audio can give.
func audioClass(o outcome.Outcome) bool {
	switch o {
	case outcome.Human, outcome.Machine, outcome.Fax, outcome.Silence:
		return true
	}
	return false
}

func scoreAudio(s *Score, t, g truthCall) {
	if t.BeepEndMS != nil {
		if g.BeepEndMS == nil {
			s.BeepMissed++
		} else {
			d := float64(*g.BeepEndMS - *t.BeepEndMS)
			if d < 0 {
				d = -d
			}
			s.BeepErrors = append(s.BeepErrors, d)
		}
	} else if audioClass(t.Outcome) || t.Outcome == outcome.SwitchedOff {
		s.NoBeepCalls++
		if g.BeepEndMS != nil {
			s.FalseBeeps++
		}
	}
	if g.DecidedMS != nil && g.Outcome == t.Outcome {
		s.Decided[t.Outcome] = append(s.Decided[t.Outcome], float64(*g.DecidedMS))
		if t.Outcome == outcome.Human && t.FirstUtteranceEndMS != nil {
			s.HumanAfterFirst = append(s.HumanAfterFirst, float64(*g.DecidedMS-*t.FirstUtteranceEndMS))
		}
	}
}

// percentile returns the p-th percentile (0..100) by nearest rank.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := slices.Clone(v)
	slices.Sort(c)
	i := int(math.Ceil(p/100*float64(len(c)))) - 1
	i = max(0, min(i, len(c)-1))
	return c[i]
}

func writeAudioScore(w io.Writer, s Score) {
	if len(s.BeepErrors)+s.BeepMissed+s.NoBeepCalls == 0 && len(s.Decided) == 0 {
		return
	}
	fmt.Fprintf(w, "\naudio:\n")
	n := len(s.BeepErrors) + s.BeepMissed
	if n > 0 {
		fmt.Fprintf(w, "  beep end error: p50 %.0f ms, p95 %.0f ms over %d beeps found; %d of %d beeps missed\n",
			percentile(s.BeepErrors, 50), percentile(s.BeepErrors, 95), len(s.BeepErrors), s.BeepMissed, n)
	}
	if s.NoBeepCalls > 0 {
		fmt.Fprintf(w, "  false beeps: %d of %d calls without a beep (%.2f%%)\n", s.FalseBeeps, s.NoBeepCalls, 100*frac(s.FalseBeeps, s.NoBeepCalls))
	}
	for _, o := range outcome.All {
		if v := s.Decided[o]; len(v) > 0 {
			fmt.Fprintf(w, "  time to verdict %-12s p50 %6.0f ms, p90 %6.0f ms (%d calls)\n", o, percentile(v, 50), percentile(v, 90), len(v))
		}
	}
	if len(s.HumanAfterFirst) > 0 {
		fmt.Fprintf(w, "  human verdict after the first utterance ends: p50 %.0f ms, p90 %.0f ms\n",
			percentile(s.HumanAfterFirst, 50), percentile(s.HumanAfterFirst, 90))
	}
	if n := s.Live; n[0] > 0 {
		fmt.Fprintf(w, "  live (the first verdict, which serve reports first): %d / %d human, machine, switched-off, fax and silence calls right (%.2f%%, %.2f%% at the end)\n",
			n[1], n[0], 100*frac(n[1], n[0]), 100*frac(n[1]+n[2]-n[3], n[0]))
		if changed := n[2] + n[3] + n[4]; changed > 0 {
			fmt.Fprintf(w, "    %d changed later: %d wrong first and right at the end, %d right first and wrong at the end, %d wrong both times\n", changed, n[2], n[3], n[4])
			for _, t := range outcome.All {
				for _, l := range outcome.All {
					if k := s.LiveConfusion[t][l]; k > 0 {
						fmt.Fprintf(w, "    truth %s, first %s: %d\n", t, l, k)
					}
				}
			}
		}
	}
	if len(s.ByCondition) > 0 {
		fmt.Fprintf(w, "  outcome right by audio condition (human, machine, switched-off, fax and silence calls):\n")
		for _, c := range conditions {
			if n := s.ByCondition[c.name]; n[1] > 0 {
				fmt.Fprintf(w, "    %-26s %5d / %-5d %7.2f%%\n", c.name, n[0], n[1], 100*frac(n[0], n[1]))
			}
		}
	}
}
