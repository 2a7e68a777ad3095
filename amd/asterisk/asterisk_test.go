package asterisk

import (
	"math"
	"strings"
	"testing"
	"time"
)

const msSamples = SampleRate / 1000

// seg is a stretch of synthetic audio: voice is a loud vowel-like tone
// (mean absolute value ~2500), hum a quiet one under the threshold (~130),
// noise white noise at ~120, silence digital zero.
type seg struct {
	kind string
	ms   int
}

func synth(segs ...seg) []int16 {
	var x []int16
	var lcg uint32 = 1
	for _, s := range segs {
		for i := 0; i < s.ms*msSamples; i++ {
			t := float64(len(x)) / SampleRate
			var v float64
			switch s.kind {
			case "voice": // a 140 Hz fundamental with two harmonics, slowly moving
				v = 2200*math.Sin(2*math.Pi*140*t) + 1400*math.Sin(2*math.Pi*280*t+0.4*math.Sin(2*math.Pi*3*t)) + 700*math.Sin(2*math.Pi*700*t)
			case "hum":
				v = 200 * math.Sin(2*math.Pi*50*t)
			case "noise":
				lcg = lcg*1664525 + 1013904223
				v = float64(int32(lcg)>>21) * 0.23 // uniform in about ±240
			case "silence":
			default:
				panic("unknown segment " + s.kind)
			}
			x = append(x, int16(v))
		}
	}
	return x
}

func ms(n int) int64 { return int64(n) * msSamples }

func TestVerdicts(t *testing.T) {
	words3 := DefaultConfig()
	words3.MaximumNumberOfWords = 3
	shortWord := DefaultConfig()
	shortWord.MaximumWordLength = time.Second
	shortWord.Greeting = 3 * time.Second
	for _, c := range []struct {
		name   string
		cfg    *Config
		audio  []seg
		end    int // ms of End after the audio, -1 none
		status Status
		cause  string
		at     int64
	}{
		{name: "nothing", audio: []seg{{"silence", 4000}}, end: -1,
			status: Machine, cause: "INITIALSILENCE-2500-2500", at: ms(2500)},
		{name: "line noise under the threshold", audio: []seg{{"noise", 4000}}, end: -1,
			status: Machine, cause: "INITIALSILENCE-2500-2500", at: ms(2500)},
		{name: "quiet hum under the threshold", audio: []seg{{"hum", 4000}}, end: -1,
			status: Machine, cause: "INITIALSILENCE-2500-2500", at: ms(2500)},
		{name: "short word then silence", audio: []seg{{"silence", 300}, {"voice", 400}, {"silence", 1200}}, end: -1,
			status: Human, cause: "HUMAN-800-800", at: ms(300 + 400 + 800)},
		{name: "hello after a long pause", audio: []seg{{"noise", 2000}, {"voice", 500}, {"noise", 1000}}, end: -1,
			status: Human, cause: "HUMAN-800-800", at: ms(2000 + 500 + 800)},
		{name: "long continuous speech", audio: []seg{{"silence", 400}, {"voice", 3000}}, end: -1,
			status: Machine, cause: "LONGGREETING-1500-1500", at: ms(400 + 1500)},
		{name: "speech from the first sample", audio: []seg{{"voice", 3000}}, end: -1,
			status: Machine, cause: "LONGGREETING-1500-1500", at: ms(1500)},
		{name: "two words", audio: []seg{{"silence", 200}, {"voice", 300}, {"silence", 200}, {"voice", 300}, {"silence", 1000}}, end: -1,
			status: Machine, cause: "MAXWORDS-2-2", at: ms(200 + 300 + 200 + 100)},
		{name: "two words, three allowed", cfg: &words3, audio: []seg{{"silence", 200}, {"voice", 300}, {"silence", 200}, {"voice", 300}, {"silence", 1000}}, end: -1,
			status: Human, cause: "HUMAN-800-800", at: ms(200 + 300 + 200 + 300 + 800)},
		{name: "three words, three allowed", cfg: &words3, audio: []seg{{"silence", 200}, {"voice", 300}, {"silence", 200}, {"voice", 300}, {"silence", 100}, {"voice", 300}}, end: -1,
			status: Machine, cause: "MAXWORDS-3-3", at: ms(200 + 300 + 200 + 300 + 100 + 100)},
		{name: "a 20 ms dip does not split a word", audio: []seg{{"silence", 200}, {"voice", 300}, {"silence", 20}, {"voice", 300}, {"silence", 1000}}, end: -1,
			status: Human, cause: "HUMAN-800-800", at: ms(200 + 300 + 20 + 300 + 800)},
		{name: "one word too long", cfg: &shortWord, audio: []seg{{"silence", 200}, {"voice", 2000}}, end: -1,
			status: Machine, cause: "MAXWORDLENGTH-1000", at: ms(200 + 1000)},
		{name: "clicks shorter than a word", audio: repeat(9, seg{"voice", 60}, seg{"silence", 500}), end: -1,
			status: NotSure, cause: "TOOLONG-5000", at: ms(5000)},
		{name: "hang-up during the greeting", audio: []seg{{"silence", 100}, {"voice", 300}}, end: 100,
			status: Hangup, cause: "", at: ms(100 + 300 + 100)},
		{name: "the gap before hang-up is silence", audio: []seg{{"silence", 100}, {"voice", 300}}, end: 2000,
			status: Human, cause: "HUMAN-800-800", at: ms(100 + 300 + 800)},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if c.cfg != nil {
				cfg = *c.cfg
			}
			x := synth(c.audio...)
			for _, chunk := range []int{160, 1, 37, 1000} {
				d := New(cfg)
				d.Answer(0)
				for i := 0; i < len(x); i += chunk {
					d.Write(x[i:min(len(x), i+chunk)], int64(i))
				}
				if c.end >= 0 {
					d.End(int64(len(x)) + ms(c.end))
				}
				v := d.Verdict()
				if v.Status != c.status || v.Cause != c.cause || v.At != c.at {
					t.Errorf("chunks of %d: verdict %v %q at %d (%.0f ms), want %v %q at %d (%.0f ms)", chunk,
						v.Status, v.Cause, v.At, float64(v.At)/msSamples, c.status, c.cause, c.at, float64(c.at)/msSamples)
				}
			}
		})
	}
}

func repeat(n int, s ...seg) []seg {
	var out []seg
	for range n {
		out = append(out, s...)
	}
	return out
}

// TestAnswer checks that AMD() listens from answer on: early media is not
// analysed, and an answer learned after its first audio was written
// replays that audio.
func TestAnswer(t *testing.T) {
	early := synth(seg{"voice", 3000}) // an announcement-like early media
	after := synth(seg{"silence", 200}, seg{"voice", 400}, seg{"silence", 1000})
	x := append(early[:len(early):len(early)], after...)
	answer := int64(len(early))
	want := Verdict{Status: Human, At: answer + ms(200+400+800), Cause: "HUMAN-800-800"}

	t.Run("before its audio", func(t *testing.T) {
		d := New(DefaultConfig())
		d.Write(x[:answer], 0)
		d.Answer(answer)
		d.Write(x[answer:], answer)
		if v := d.Verdict(); v != want {
			t.Errorf("verdict %+v, want %+v", v, want)
		}
	})
	t.Run("after its first packet", func(t *testing.T) {
		d := New(DefaultConfig())
		d.Write(x[:answer+160], 0)
		d.Answer(answer)
		d.Write(x[answer+160:], answer+160)
		if v := d.Verdict(); v != want {
			t.Errorf("verdict %+v, want %+v", v, want)
		}
	})
	t.Run("never", func(t *testing.T) {
		d := New(DefaultConfig())
		d.Write(x, 0)
		d.End(int64(len(x)) + ms(5000))
		if v := d.Verdict(); v.Decided() || v.At != -1 {
			t.Errorf("verdict %+v without an answer, want undecided", v)
		}
	})
	t.Run("long before the stream", func(t *testing.T) {
		// The audio starts 1 s after answer: that second is silence.
		d := New(DefaultConfig())
		d.Answer(0)
		d.Write(after, ms(1000))
		w := Verdict{Status: Human, At: ms(1000 + 200 + 400 + 800), Cause: "HUMAN-800-800"}
		if v := d.Verdict(); v != w {
			t.Errorf("verdict %+v, want %+v", v, w)
		}
	})
}

// TestGap checks that audio that never came counts as silence.
func TestGap(t *testing.T) {
	x := synth(seg{"silence", 200}, seg{"voice", 400})
	d := New(DefaultConfig())
	d.Answer(0)
	d.Write(x, 0)
	d.Write(synth(seg{"voice", 100}), int64(len(x))+ms(1000)) // a second lost
	want := Verdict{Status: Human, At: ms(200 + 400 + 800), Cause: "HUMAN-800-800"}
	if v := d.Verdict(); v != want {
		t.Errorf("verdict %+v, want %+v", v, want)
	}
}

func TestReset(t *testing.T) {
	x := synth(seg{"silence", 300}, seg{"voice", 400}, seg{"silence", 1200})
	d := New(DefaultConfig())
	d.Answer(0)
	d.Write(x, 0)
	first := d.Verdict()
	d.Reset()
	if v := d.Verdict(); v.Decided() {
		t.Fatalf("after Reset: %+v", v)
	}
	d.Answer(0)
	d.Write(x, 0)
	if v := d.Verdict(); v != first {
		t.Errorf("after Reset %+v, first run %+v", v, first)
	}
}

func TestConfig(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig: %v", err)
	}
	bad := DefaultConfig()
	bad.Greeting = 0
	bad.SilenceThreshold = 40000
	bad.MaximumNumberOfWords = 0
	err := bad.Validate()
	if err == nil {
		t.Fatal("Validate accepted a zero Greeting")
	}
	for _, w := range []string{"Greeting", "SilenceThreshold", "MaximumNumberOfWords"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want it to name %s", err, w)
		}
	}
	// An invalid configuration runs with the defaults.
	x := synth(seg{"silence", 3000})
	d := New(bad)
	d.Answer(0)
	d.Write(x, 0)
	if v := d.Verdict(); v.Cause != "INITIALSILENCE-2500-2500" {
		t.Errorf("invalid config: verdict %+v, want the defaults' INITIALSILENCE-2500-2500", v)
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{Undecided: "", Human: "HUMAN", Machine: "MACHINE", NotSure: "NOTSURE", Hangup: "HANGUP", 9: "status(9)"} {
		if got := s.String(); got != want {
			t.Errorf("Status(%d).String() = %q, want %q", uint8(s), got, want)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	x := synth(seg{"voice", 20})
	d := New(DefaultConfig())
	// Undecided and listening: every frame is analysed.
	d.Answer(0)
	var sample int64
	allocs := testing.AllocsPerRun(1000, func() {
		if d.Verdict().Decided() {
			d.Reset()
			d.Answer(sample)
		}
		d.Write(x, sample)
		sample += int64(len(x))
		d.Write(x[:0], sample)
	})
	// The cause string of each decision is the only allocation: one per
	// 75 frames (LONGGREETING at 1.5 s of voice).
	if allocs > 0.05 {
		t.Errorf("%.3f allocations per 20 ms frame, want none but the verdict's", allocs)
	}
}

func FuzzDetector(f *testing.F) {
	f.Add([]byte{0, 0, 0xff, 0x7f}, int64(0), int64(3))
	f.Add([]byte{1, 2, 3}, int64(-5), int64(1<<40))
	f.Fuzz(func(t *testing.T, b []byte, answer, jump int64) {
		d := New(DefaultConfig())
		pcm := make([]int16, len(b)/2)
		for i := range pcm {
			pcm[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
		}
		d.Write(pcm, 0)
		d.Answer(answer % (1 << 20))
		d.Write(pcm, jump%(1<<20))
		d.Write(pcm, int64(len(pcm)))
		d.End(jump % (1 << 22))
		if v := d.Verdict(); v.Decided() != (v.At >= 0) {
			t.Errorf("verdict %+v: decided and At disagree", v)
		}
	})
}

func BenchmarkDetector(b *testing.B) {
	// Speech-like audio that never decides (clicks under a word's length),
	// so every frame goes through the rules: the cost of listening.
	x := synth(repeat(9, seg{"voice", 60}, seg{"silence", 500})...)[:4800*msSamples]
	d := New(DefaultConfig())
	b.ReportAllocs()
	b.SetBytes(int64(2 * FrameSamples))
	b.ResetTimer()
	var sample int64
	for i := 0; b.Loop(); i++ {
		if sample >= int64(len(x)) {
			d.Reset()
			d.Answer(0)
			sample = 0
		}
		d.Write(x[sample:sample+FrameSamples], sample)
		sample += FrameSamples
	}
	if d.Verdict().Decided() {
		b.Fatalf("benchmark audio decided: %+v", d.Verdict())
	}
}
