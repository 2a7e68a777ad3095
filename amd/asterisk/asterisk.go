// Package asterisk is a baseline to measure callsight's detector against:
// the decision rules of Asterisk's AMD() application (apps/app_amd.c),
// written anew from their description, on the same streaming interface as
// amd.Detector ([]int16 at 8 kHz on a sample clock, no wall clock).
//
// AMD() starts listening at answer and cuts the audio into 20 ms frames. A
// frame is silent when the mean of its absolute sample values is below
// SilenceThreshold (Asterisk's DSP silence detector); the silence run is the
// length of the silent frames in a row. Voice frames build words: a run of
// MinimumWordLength of voice after at least BetweenWordsSilence of silence
// is one more word (the audio at answer counts as inside a word, so a voice
// that starts at once is not counted until its first pause). The first
// word ends the initial silence and starts the greeting. Then, frame by
// frame, with the first rule that holds deciding:
//
//   - the analysis has run for TotalAnalysisTime: NOTSURE, TOOLONG-total;
//   - silence, still before the first word, for InitialSilence: MACHINE,
//     INITIALSILENCE-silence-InitialSilence;
//   - silence, during the greeting, for AfterGreetingSilence: HUMAN,
//     HUMAN-silence-AfterGreetingSilence;
//   - one voice run of MaximumWordLength: MACHINE, MAXWORDLENGTH-run;
//   - MaximumNumberOfWords words: MACHINE, MAXWORDS-words-MaximumNumberOfWords;
//   - during the greeting, Greeting of voice in all: MACHINE,
//     LONGGREETING-voice-Greeting.
//
// The verdict's Cause is what Asterisk sets in AMDCAUSE. Frames that never
// arrive (a gap in the sample clock, or the time between the last audio and
// End) count as silence, as AMD() counts the empty frames it reads while no
// audio comes; a call that ends before a decision is HANGUP. There is no
// beep detection, no tone detection and no confidence: AMD() has none.
//
// The package imports only the standard library (internal/deps enforces
// it), so the baseline can be reused on its own.
package asterisk

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// SampleRate is the only sample rate the detector accepts.
const SampleRate = 8000

// FrameSamples is AMD()'s analysis frame: 20 ms, what an 8 kHz G.711
// channel delivers per packet.
const FrameSamples = 160

const frameMS = FrameSamples * 1000 / SampleRate

// ringLen is how much audio written before Answer is kept, for an answer
// that is learned after its first packets were written (128 ms).
const ringLen = 1024

// Status is AMD()'s AMDSTATUS.
type Status uint8

// The statuses of a Verdict.
const (
	Undecided Status = iota // still listening (or never answered)
	Human                   // HUMAN: silence after a short greeting
	Machine                 // MACHINE: initial silence, long greeting, too many or too long words
	NotSure                 // NOTSURE: TotalAnalysisTime ran out
	Hangup                  // HANGUP: the call ended before a decision
)

var statusNames = [...]string{"", "HUMAN", "MACHINE", "NOTSURE", "HANGUP"}

// String returns the status as AMDSTATUS spells it ("" when undecided).
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Verdict is the detector's answer.
type Verdict struct {
	Status Status
	// At is the sample index at which AMD() decided (the end of the
	// deciding frame, or the end of the call for HANGUP); -1 undecided.
	At int64
	// Cause is AMDCAUSE: "HUMAN-800-800", "MAXWORDS-2-2", "TOOLONG-5000"...
	// It is empty while undecided and for HANGUP, as in Asterisk.
	Cause string
}

// Decided reports whether AMD() has finished: any status but Undecided.
func (v Verdict) Decided() bool { return v.Status != Undecided }

// Config holds AMD()'s parameters; each names its amd.conf key. Durations
// are counted in whole milliseconds, as Asterisk does.
type Config struct {
	InitialSilence       time.Duration // initial_silence
	Greeting             time.Duration // greeting
	AfterGreetingSilence time.Duration // after_greeting_silence
	TotalAnalysisTime    time.Duration // total_analysis_time
	MinimumWordLength    time.Duration // min_word_length
	BetweenWordsSilence  time.Duration // between_words_silence
	MaximumWordLength    time.Duration // maximum_word_length
	MaximumNumberOfWords int           // maximum_number_of_words
	// SilenceThreshold is the mean absolute sample value (of 32767) under
	// which a frame is silent: silence_threshold.
	SilenceThreshold int
}

// DefaultConfig returns the settings of the amd.conf Asterisk ships. The
// values compiled into app_amd.c are the same except
// maximum_number_of_words, 3 there.
func DefaultConfig() Config {
	return Config{
		InitialSilence:       2500 * time.Millisecond,
		Greeting:             1500 * time.Millisecond,
		AfterGreetingSilence: 800 * time.Millisecond,
		TotalAnalysisTime:    5000 * time.Millisecond,
		MinimumWordLength:    100 * time.Millisecond,
		BetweenWordsSilence:  50 * time.Millisecond,
		MaximumWordLength:    5000 * time.Millisecond,
		MaximumNumberOfWords: 2,
		SilenceThreshold:     256,
	}
}

// Validate reports a configuration the detector cannot work with.
func (c Config) Validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"InitialSilence", c.InitialSilence}, {"Greeting", c.Greeting}, {"AfterGreetingSilence", c.AfterGreetingSilence},
		{"TotalAnalysisTime", c.TotalAnalysisTime}, {"MinimumWordLength", c.MinimumWordLength},
		{"BetweenWordsSilence", c.BetweenWordsSilence}, {"MaximumWordLength", c.MaximumWordLength},
	} {
		if d.v < time.Millisecond || d.v > time.Hour {
			errs = append(errs, fmt.Errorf("asterisk: %s must be 1 ms to 1 h, got %v", d.name, d.v))
		}
	}
	if c.MaximumNumberOfWords < 1 {
		errs = append(errs, fmt.Errorf("asterisk: MaximumNumberOfWords must be at least 1, got %d", c.MaximumNumberOfWords))
	}
	if c.SilenceThreshold < 1 || c.SilenceThreshold > 32767 {
		errs = append(errs, fmt.Errorf("asterisk: SilenceThreshold must be 1-32767, got %d", c.SilenceThreshold))
	}
	return errors.Join(errs...)
}

// params is a Config in milliseconds.
type params struct {
	initialSilence, greeting, afterGreeting, total, minWord, betweenWords, maxWordLen int
	maxWords, threshold                                                               int
}

// Detector runs AMD()'s rules on one call's audio (the callee's). It
// allocates only when it decides (the cause string); not safe for
// concurrent use.
type Detector struct {
	p params

	answerAt int64 // -1 until Answer
	first    int64 // first sample written, -1 none
	next     int64 // sample index after the last one written (or filled)
	ended    bool

	ring [ringLen]int16 // audio before Answer, by sample index mod ringLen

	acc int // sum of absolute values in the current frame
	n   int // samples in the current frame

	// AMD()'s state, in milliseconds.
	total, silence, voice, consecVoice, words int
	inInitialSilence, inGreeting, inWord      bool

	v Verdict
}

// New returns a Detector. An invalid cfg (see Config.Validate) is replaced
// by DefaultConfig.
func New(cfg Config) *Detector {
	d := &Detector{}
	d.init(cfg)
	return d
}

func (d *Detector) init(cfg Config) {
	if cfg.Validate() != nil {
		cfg = DefaultConfig()
	}
	ms := func(x time.Duration) int { return int(x / time.Millisecond) }
	d.p = params{
		initialSilence: ms(cfg.InitialSilence), greeting: ms(cfg.Greeting), afterGreeting: ms(cfg.AfterGreetingSilence),
		total: ms(cfg.TotalAnalysisTime), minWord: ms(cfg.MinimumWordLength), betweenWords: ms(cfg.BetweenWordsSilence),
		maxWordLen: ms(cfg.MaximumWordLength), maxWords: cfg.MaximumNumberOfWords, threshold: cfg.SilenceThreshold,
	}
	d.Reset()
}

// Reset prepares the Detector for a new call, keeping its Config.
func (d *Detector) Reset() {
	p := d.p
	*d = Detector{p: p, answerAt: -1, first: -1, inInitialSilence: true, inWord: true, v: Verdict{At: -1}}
}

// Answer marks the sample at which the call was answered: AMD() analyses
// the audio from there on. An answer earlier than the audio written so far
// replays what was kept of it (the last 128 ms; older audio counts as
// silence). Only the first call counts.
func (d *Detector) Answer(sample int64) {
	if d.answerAt >= 0 || d.ended {
		return
	}
	sample = max(sample, 0)
	d.answerAt = sample
	if d.first < 0 || sample >= d.next {
		return // the audio from answer is still to come
	}
	kept := max(sample, d.next-ringLen)
	d.silent(kept - sample)
	for i := kept; i < d.next && !d.v.Decided(); {
		lo := ringIndex(i)
		hi := min(ringLen, lo+int(d.next-i))
		d.analyse(d.ring[lo:hi])
		i += int64(hi - lo)
	}
}

// Write feeds 8 kHz 16-bit mono PCM; sample is the index of pcm[0] on the
// stream's sample clock. A gap since the last write counts as silence;
// audio already written (an overlap) is skipped.
func (d *Detector) Write(pcm []int16, sample int64) {
	if d.ended || len(pcm) == 0 {
		return
	}
	if d.first < 0 {
		d.first, d.next = sample, sample
		if d.answerAt >= 0 && d.answerAt < sample {
			d.next = d.answerAt // answered before the audio came: silence
		}
	}
	if sample < d.next {
		skip := d.next - sample
		if skip >= int64(len(pcm)) {
			return
		}
		pcm, sample = pcm[skip:], d.next
	}
	if sample > d.next {
		d.gap(sample)
	}
	d.next = sample + int64(len(pcm))
	switch {
	case d.v.Decided():
	case d.answerAt < 0:
		off := max(0, len(pcm)-ringLen)
		for i, v := range pcm[off:] {
			d.ring[ringIndex(sample+int64(off+i))] = v
		}
	case d.next > d.answerAt:
		if sample < d.answerAt {
			pcm = pcm[d.answerAt-sample:]
		}
		d.analyse(pcm)
	}
}

// ringIndex is the place of sample index i in the ring (ringLen is a power
// of two, so negative indices map consistently too).
func ringIndex(i int64) int { return int(uint64(i) % ringLen) }

// gap fills the samples from d.next to sample, which never came, with
// silence.
func (d *Detector) gap(sample int64) {
	if d.v.Decided() {
		return
	}
	if d.answerAt < 0 {
		for i := max(d.next, sample-ringLen); i < sample; i++ {
			d.ring[ringIndex(i)] = 0
		}
		return
	}
	d.silent(sample - max(d.next, d.answerAt))
}

// End says the call ended at sample (hang-up). The time since the last
// audio counts as silence, as in AMD(); what is still undecided then is
// HANGUP.
func (d *Detector) End(sample int64) {
	if d.ended {
		return
	}
	if d.answerAt >= 0 && !d.v.Decided() {
		from := max(d.next, d.answerAt)
		d.silent(sample - from)
		if !d.v.Decided() {
			d.v = Verdict{Status: Hangup, At: max(sample, from)}
		}
	}
	d.next = max(d.next, sample)
	d.ended = true
}

// Samples returns the sample index after the last one written.
func (d *Detector) Samples() int64 { return d.next }

// Verdict returns the current verdict.
func (d *Detector) Verdict() Verdict { return d.v }

// analyse runs AMD() on audio from answer on.
func (d *Detector) analyse(pcm []int16) {
	for len(pcm) > 0 && !d.v.Decided() {
		k := min(len(pcm), FrameSamples-d.n)
		acc := d.acc
		for _, v := range pcm[:k] {
			if v < 0 {
				acc -= int(v)
			} else {
				acc += int(v)
			}
		}
		d.acc = acc
		d.n += k
		pcm = pcm[k:]
		if d.n == FrameSamples {
			d.frame()
		}
	}
}

// silent runs AMD() on n samples of silence.
func (d *Detector) silent(n int64) {
	for n > 0 && !d.v.Decided() {
		k := min(n, int64(FrameSamples-d.n))
		d.n += int(k)
		n -= k
		if d.n == FrameSamples {
			d.frame()
		}
	}
}

// frame applies AMD()'s rules to the 20 ms frame just completed.
func (d *Detector) frame() {
	mean := d.acc / FrameSamples
	d.acc, d.n = 0, 0
	d.total += frameMS
	p := &d.p
	if d.total >= p.total {
		d.decide(NotSure, "TOOLONG-", d.total, -1)
		return
	}
	if mean < p.threshold {
		d.silence += frameMS
		if d.silence >= p.betweenWords {
			d.inWord = false
			d.consecVoice = 0
		}
		switch {
		case d.inInitialSilence && d.silence >= p.initialSilence:
			d.decide(Machine, "INITIALSILENCE-", d.silence, p.initialSilence)
		case d.inGreeting && d.silence >= p.afterGreeting:
			d.decide(Human, "HUMAN-", d.silence, p.afterGreeting)
		}
		return
	}
	d.silence = 0
	d.consecVoice += frameMS
	d.voice += frameMS
	if d.consecVoice >= p.minWord && !d.inWord {
		d.words++
		d.inWord = true
	}
	switch {
	case d.consecVoice >= p.maxWordLen:
		d.decide(Machine, "MAXWORDLENGTH-", d.consecVoice, -1)
		return
	case d.words >= p.maxWords:
		d.decide(Machine, "MAXWORDS-", d.words, p.maxWords)
		return
	case d.inGreeting && d.voice >= p.greeting:
		d.decide(Machine, "LONGGREETING-", d.voice, p.greeting)
		return
	}
	if d.consecVoice >= p.minWord && !d.inGreeting {
		d.inInitialSilence, d.inGreeting = false, true
	}
}

// decide sets the verdict at the end of the current frame, with the cause
// prefix, a and, unless negative, b.
func (d *Detector) decide(s Status, prefix string, a, b int) {
	var buf [40]byte
	c := strconv.AppendInt(append(buf[:0], prefix...), int64(a), 10)
	if b >= 0 {
		c = strconv.AppendInt(append(c, '-'), int64(b), 10)
	}
	d.v = Verdict{Status: s, At: d.answerAt + int64(d.total)*SampleRate/1000, Cause: string(c)}
}
