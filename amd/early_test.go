package amd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// music is a ringback tune ("caller tune" played as early media): chords of
// harmonic-rich notes changing every 250-500 ms with a plucked envelope,
// over a bass line. It is voice-like to an energy detector and not a single
// tone.
func music(rng *rand.Rand, n int, db float64) []float64 {
	x := make([]float64, n)
	roots := []float64{220, 246.9, 261.6, 293.7, 329.6, 349.2, 392}
	a := amp(db) / 6
	for p := 0; p < n; {
		l := min(n-p, ms(250+250*rng.Float64()))
		root := roots[rng.IntN(len(roots))]
		chord := []float64{root, root * 1.26, root * 1.5, root / 2}
		for i := range l {
			t := float64(i) / rate
			env := math.Exp(-3*t) * min(1, t/0.01)
			vib := 1 + 0.004*math.Sin(2*math.Pi*5.5*t)
			for _, f := range chord {
				for h := 1.0; h <= 3; h++ {
					x[p+i] += a * env / h * math.Sin(2*math.Pi*f*h*vib*float64(p+i)/rate)
				}
			}
		}
		p += l
	}
	return x
}

// brown returns n samples of brown (1/f²) noise at db dBFS RMS: the rumble
// of a line that an energy detector most easily takes for a voice.
func brown(rng *rand.Rand, n int, db float64) []float64 {
	x := make([]float64, n)
	v, sum := 0.0, 0.0
	for i := range x {
		v = 0.995*v + rng.NormFloat64()
		x[i] = v
		sum += v * v
	}
	g := 32768 * math.Pow(10, db/20) / math.Sqrt(sum/float64(n))
	for i := range x {
		x[i] *= g
	}
	return x
}

// loudest returns a point inside a word in the middle third of speech s:
// the middle of its loudest 20 ms, where an answer cuts the speech off.
func loudest(s []float64) int {
	cut, best := 0, 0.0
	for p := len(s) / 3; p+ms(20) < 2*len(s)/3; p += ms(10) {
		e := 0.0
		for _, v := range s[p : p+ms(20)] {
			e += v * v
		}
		if e > best {
			cut, best = p+ms(10), e
		}
	}
	return cut
}

// TestEarlyMediaThenAnswer: speech or music in early media is an
// announcement only while nobody answers; the answer reopens the verdict
// and what answers decides, unless the announcement runs on across the
// answer.
func TestEarlyMediaThenAnswer(t *testing.T) {
	need(t, "espeak-ng")
	g := &gen{t: t, rng: rand.New(rand.NewPCG(5, 5))}
	notice := g.say("The subscriber you are calling is not available at the moment. Please hold the line.", false)
	hello := g.say("Hello?", false)
	greeting := g.say("Hi, you have reached Mary. Please leave a message after the tone.", false)
	long := g.say("The subscriber you are calling is switched off or out of the coverage area. Please call again later. Thank you.", false)

	type tc struct {
		name      string
		early     signal // before the answer
		after     signal // after the answer
		want      Class
		earlyAnn  bool // the first verdict is the provisional announcement
		wantBeep  bool
		wantFinal bool
	}
	rng := rand.New(rand.NewPCG(6, 6))
	var cases []tc
	{
		var e, a signal
		e = e.add(silence(ms(300))).add(speechAt(notice, -18)).add(silence(ms(400)))
		a = a.add(silence(ms(700))).add(speechAt(hello, -18)).add(silence(ms(3000)))
		cases = append(cases, tc{name: "announcement, then a person", early: e, after: a, want: Human, earlyAnn: true})
	}
	{
		var e, a signal
		e = e.add(silence(ms(200))).add(music(rng, ms(4000), -20))
		a = a.add(silence(ms(600))).add(speechAt(hello, -20)).add(silence(ms(3000)))
		cases = append(cases, tc{name: "caller tune, then a person", early: e, after: a, want: Human})
	}
	{
		var e, a signal
		e = e.add(silence(ms(200))).add(music(rng, ms(4000), -20))
		a = a.add(silence(ms(300))).add(speechAt(greeting, -20)).add(silence(ms(400))).add(tones(ms(400), -18, 1000)).add(silence(ms(2000)))
		cases = append(cases, tc{name: "caller tune, then a voicemail", early: e, after: a, want: Machine, wantBeep: true})
	}
	{
		// A notice is cut off by the answer; the voicemail's line starts
		// with a burst of its own noise, and the greeting follows 150 ms
		// later: that is not the notice going on.
		var e signal
		e = e.add(silence(ms(200))).add(speechAt(notice, -18)[:loudest(speechAt(notice, -18))])
		a := signal(silence(ms(30)))
		for _, v := range brown(rng, ms(150), -40) {
			a = append(a, v)
		}
		a = a.add(silence(ms(150))).add(speechAt(greeting, -22)).add(silence(ms(300))).add(tones(ms(300), -20, 800)).add(silence(ms(2000)))
		cases = append(cases, tc{name: "notice cut off by the answer, then a noisy voicemail line", early: e, after: a, want: Machine, wantBeep: true})
	}
	{
		var e, a signal
		e = e.add(silence(ms(300))).add(speechAt(notice, -18)).add(silence(ms(400)))
		a = a.add(silence(ms(5000)))
		cases = append(cases, tc{name: "announcement, then dead air", early: e, after: a, want: Silence, earlyAnn: true})
	}
	{
		// The network answers in the middle of its announcement.
		s := speechAt(long, -18)
		cut := loudest(s)
		var e, a signal
		e = e.add(silence(ms(300))).add(s[:cut])
		a = a.add(s[cut:]).add(silence(ms(1000)))
		cases = append(cases, tc{name: "announcement running across the answer", early: e, after: a, want: Announcement, earlyAnn: true})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := append(append(signal{}, c.early...), c.after...)
			pcm := impair(s, g.rng, -60, false, "alaw", 0)
			sc := scenario{name: c.name, pcm: pcm, answer: len(c.early), beepStart: -1, beepEnd: -1}
			r, ev := run(sc, 160)
			if c.earlyAnn && (r.first.Class != Announcement || !r.first.Provisional || r.first.DecidedAt > int64(len(c.early))) {
				t.Errorf("first verdict %+v, want a provisional announcement before the answer", r.first)
			}
			if r.final.Class != c.want || r.final.Provisional {
				t.Errorf("final verdict %+v, want %s (events %v)", r.final, c.want, ev)
			}
			if c.want != Announcement && r.final.DecidedAt < int64(len(c.early)) {
				t.Errorf("final verdict decided at %d, before the answer at %d", r.final.DecidedAt, len(c.early))
			}
			if c.wantBeep != (r.final.BeepEnd >= 0) {
				t.Errorf("beep end %d, want a beep: %v", r.final.BeepEnd, c.wantBeep)
			}
		})
	}
}

// TestNewSourceAtAnswer: early media (here a notice; in the evaluation
// sets a caller tune) plays up to the answer and the person says "Hello
// there" at once. By level and timing that is the early media going on,
// the network answering in the middle of its announcement; but the
// callee's phone is another RTP source than the early media's platform,
// and speech of a new source is the callee's.
func TestNewSourceAtAnswer(t *testing.T) {
	need(t, "espeak-ng")
	g := &gen{t: t, rng: rand.New(rand.NewPCG(9, 9))}
	notice := speechAt(g.say("The subscriber you are calling is switched off or out of the coverage area. Please call again later.", false), -18)
	hello := speechAt(g.say("Hello there", false), -18)
	early := signal(silence(ms(300))).add(notice[:loudest(notice)])
	s := append(signal{}, early...)
	s = s.add(silence(ms(20))).add(hello).add(silence(ms(3000)))
	rng := rand.New(rand.NewPCG(10, 10))
	pcm := impair(s, rng, -60, false, "alaw", 0)
	answer := int64(len(early))
	for _, tc := range []struct {
		newSource bool
		want      Class
	}{{true, Human}, {false, Announcement}} {
		d := New(DefaultConfig())
		for p := int64(0); p < int64(len(pcm)); {
			n := min(160, int64(len(pcm))-p)
			if p <= answer && answer < p+n {
				if p < answer {
					n = answer - p
				} else {
					d.Answer(answer)
					if tc.newSource {
						d.NewSource(answer)
					}
				}
			}
			d.Write(pcm[p:p+n], p)
			p += n
		}
		d.End(int64(len(pcm)))
		if v := d.Verdict(); v.Class != tc.want {
			t.Errorf("new source %v: %s (%s), want %s", tc.newSource, v.Class, v.Reason, tc.want)
		}
	}
}
