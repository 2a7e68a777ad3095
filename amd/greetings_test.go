package amd

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestKnownGreeting: a greeting heard to its beep is known the next time,
// under other noise, gain, codec and alignment, and decided a machine after
// 1.2 s of it; another greeting, and a person who says a known greeting's
// first words in its voice ("Hello, this is John speaking" after "Hello,
// this is Mark. I cannot..."), are not.
func TestKnownGreeting(t *testing.T) {
	need(t, "espeak-ng")
	rng := rand.New(rand.NewPCG(21, 21))
	v := voice{"espeak-ng", "en-us"}
	call := func(lead float64, text string, db, noise float64, codec string, beep bool) []int16 {
		s := signal(silence(ms(lead))).add(speechAt(tts(t, v, 160, text), db)).add(silence(ms(400)))
		if beep {
			s = s.add(tones(ms(300), db, 1000))
		}
		s = s.add(silence(ms(1500)))
		return impair(s, rng, noise, false, codec, 0)
	}
	g := NewGreetings(10)
	d := New(DefaultConfig())
	d.UseGreetings(g)
	hear := func(pcm []int16) Verdict {
		d.Reset()
		d.Answer(0)
		feed(d, pcm, 0, 160)
		d.End(int64(len(pcm)))
		return d.Verdict()
	}
	const (
		greeting = "The person you are calling is not available. Please leave a message after the tone."
		mark     = "Hello, this is Mark. I cannot answer the phone right now. Leave a message."
	)
	first := hear(call(600, greeting, -18, -60, "alaw", true))
	if first.Class != Machine || first.Reason == ReasonKnownGreeting || g.Len() != 1 {
		t.Fatalf("first hearing: %s (%s), %d known; want a machine by its length, learnt", first.Class, first.Reason, g.Len())
	}
	again := hear(call(605, greeting, -26, -40, "ulaw", false)) // 20 dB SNR, half a frame later
	if again.Class != Machine || again.Reason != ReasonKnownGreeting || again.DecidedAt >= first.DecidedAt-samples(600e6) {
		t.Errorf("second hearing: %s (%s) at %d ms, first at %d ms; want known greeting 0.6 s sooner or more", again.Class, again.Reason, again.DecidedAt/8, first.DecidedAt/8)
	}
	if v := hear(call(600, "Hi, you have reached Anna. I cannot take your call right now.", -18, -60, "alaw", false)); v.Reason == ReasonKnownGreeting {
		t.Errorf("another greeting matched the known one")
	}
	if v := hear(call(700, mark, -20, -55, "alaw", true)); v.Class != Machine || g.Len() != 2 {
		t.Fatalf("Mark's greeting: %s (%s), %d known; want a machine, learnt", v.Class, v.Reason, g.Len())
	}
	if v := hear(call(650, "Hello, this is John speaking.", -20, -55, "alaw", false)); v.Class != Human {
		t.Errorf("a person saying a known greeting's first words: %s (%s), want human", v.Class, v.Reason)
	}
	if v := hear(call(650, "Hello, who is this?", -18, -60, "alaw", false)); v.Class != Human {
		t.Errorf("a hello: %s (%s), want human", v.Class, v.Reason)
	}
}

// TestGreetingsFile: the known greetings written and read back are known
// to a new store; a file cut short keeps the greetings before the cut and
// says so; another file is refused.
func TestGreetingsFile(t *testing.T) {
	need(t, "espeak-ng")
	rng := rand.New(rand.NewPCG(22, 22))
	v := voice{"espeak-ng", "en-gb"}
	call := func(text string, beep bool) []int16 {
		s := signal(silence(ms(500))).add(speechAt(tts(t, v, 160, text), -20))
		if beep {
			s = s.add(silence(ms(400))).add(tones(ms(300), -20, 1200))
		}
		return impair(s.add(silence(ms(1500))), rng, -55, false, "alaw", 0)
	}
	hear := func(g *Greetings, pcm []int16) Verdict {
		d := New(DefaultConfig())
		d.UseGreetings(g)
		d.Answer(0)
		feed(d, pcm, 0, 160)
		d.End(int64(len(pcm)))
		return d.Verdict()
	}
	texts := []string{"The person you are calling is not available. Please leave a message after the tone.",
		"You have reached the voicemail of John Smith. I am not available at the moment."}
	g := NewGreetings(0)
	for _, tx := range texts {
		hear(g, call(tx, true))
	}
	if g.Len() != 2 {
		t.Fatalf("learnt %d greetings, want 2", g.Len())
	}
	var b bytes.Buffer
	if _, err := g.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	full := b.Bytes()
	g2 := NewGreetings(0)
	if _, err := g2.ReadFrom(bytes.NewReader(full)); err != nil || g2.Len() != 2 {
		t.Fatalf("read back: %d greetings, %v", g2.Len(), err)
	}
	if v := hear(g2, call(texts[1], false)); v.Reason != ReasonKnownGreeting {
		t.Errorf("a greeting read from the file: %s (%s), want %q", v.Class, v.Reason, ReasonKnownGreeting)
	}
	g3 := NewGreetings(0)
	_, err := g3.ReadFrom(bytes.NewReader(full[:len(full)-100]))
	if err == nil || !strings.Contains(err.Error(), "greeting 2 of 2") || g3.Len() != 1 {
		t.Errorf("cut file: %d greetings, %v; want 1 and an error naming greeting 2 of 2", g3.Len(), err)
	}
	bad := bytes.Clone(full)
	bad[len(greetingsMagic)+4] = 99 // frames per print
	if _, err := NewGreetings(0).ReadFrom(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "99 frames") {
		t.Errorf("another print size: %v", err)
	}
	if _, err := NewGreetings(0).ReadFrom(strings.NewReader("not a greetings file at all, nope")); err == nil {
		t.Errorf("garbage accepted")
	}
}

// TestKnownAnnouncement: an answered announcement sounds like a greeting
// without a beep; once the caller says it was one (Taught), the next call
// that plays it is an Announcement after 1.2 s. A call the caller does not
// call an announcement teaches nothing.
func TestKnownAnnouncement(t *testing.T) {
	need(t, "espeak-ng")
	rng := rand.New(rand.NewPCG(23, 23))
	v := voice{"espeak-ng", "en-us+f3"}
	const text = "The subscriber you are calling is switched off or out of the coverage area. Please call again later."
	call := func(noise float64) []int16 {
		s := signal(silence(ms(300))).add(speechAt(tts(t, v, 160, text), -18)).add(silence(ms(800)))
		return impair(s, rng, noise, false, "alaw", 0)
	}
	g := NewGreetings(0)
	hear := func(pcm []int16, taught Class) Verdict {
		d := New(DefaultConfig())
		d.UseGreetings(g)
		d.Answer(0)
		feed(d, pcm, 0, 160)
		d.End(int64(len(pcm)))
		v := d.Verdict()
		d.Taught(taught)
		return v
	}
	if v := hear(call(-60), Unknown); v.Class != Machine || g.Len() != 0 {
		t.Fatalf("first hearing, not taught: %s (%s), %d known; want a machine by its length, nothing learnt", v.Class, v.Reason, g.Len())
	}
	if v := hear(call(-55), Announcement); v.Class != Machine || g.Len() != 1 {
		t.Fatalf("second hearing, taught an announcement: %s (%s), %d known; want machine, 1 learnt", v.Class, v.Reason, g.Len())
	}
	if v := hear(call(-45), Unknown); v.Class != Announcement || v.Reason != ReasonKnownAnnouncement || v.DecidedAt > samples(2e9) {
		t.Errorf("third hearing: %s (%s) at %d ms, want a known announcement within 2 s", v.Class, v.Reason, v.DecidedAt/8)
	}
}

// FuzzGreetingsFile: a damaged or hostile known-greetings file is refused
// or read in part, never a panic, never more greetings than the store
// holds; and matching against what was read never panics either.
func FuzzGreetingsFile(f *testing.F) {
	mk := func(seed int, class Class) *printData {
		p := new(printData)
		for i := range p.level {
			p.level[i] = float32(-60 + (i*7+seed)%50)
		}
		for i := range p.pcm {
			p.pcm[i] = int16((i*(31+seed) + seed*977) % 20000)
		}
		return p
	}
	g := NewGreetings(4)
	g.learn(mk(1, Machine), Machine)
	g.learn(mk(2, Announcement), Announcement)
	var b bytes.Buffer
	if _, err := g.WriteTo(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:len(b.Bytes())/2])
	f.Add([]byte(greetingsMagic))
	probe := mk(1, Machine)
	f.Fuzz(func(t *testing.T, data []byte) {
		g := NewGreetings(4)
		n, err := g.ReadFrom(bytes.NewReader(data))
		if n > int64(len(data)) {
			t.Fatalf("read %d bytes of %d", n, len(data))
		}
		if g.Len() > 4 {
			t.Fatalf("%d greetings in a store of 4", g.Len())
		}
		if err == nil && len(data) < len(greetingsMagic)+16 {
			t.Fatalf("%d bytes read without an error", len(data))
		}
		g.match(probe)
	})
}

// TestCoarseLagExact checks coarseLag against the loop it replaces,
// waveRStep on every other lag, over prints of full-scale and quiet
// noise, a shifted copy (the true lag must win) and digital silence.
func TestCoarseLagExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	fill := func(p *printData, amp float64) {
		for i := range p.pcm {
			p.pcm[i] = int16(max(-32768, min(32767, rng.NormFloat64()*amp)))
		}
	}
	ref := func(k, p *printData, q, lo, hi int) (int, float64) {
		best, lag := -1.0, 0
		for l := lo; l <= hi; l += 2 {
			if r := waveRStep(k, p, q, l, 2); r > best {
				best, lag = r, l
			}
		}
		return lag, best
	}
	var k, p printData
	for trial := range 60 {
		fill(&k, []float64{30000, 3000, 30}[trial%3])
		switch trial % 4 {
		case 0: // noise swelling and fading: p's energy differs at each lag
			fill(&p, 8000)
			for i := range p.pcm {
				p.pcm[i] = int16(float64(p.pcm[i]) * (0.5 + 0.5*math.Sin(float64(i)/37)))
			}
		case 1: // p is k 26 samples later, plus noise: lag 26 wins
			for i := range p.pcm {
				p.pcm[i] = int16(rng.NormFloat64() * 300)
				if j := i - 26; j >= 0 {
					p.pcm[i] += k.pcm[j] / 2
				}
			}
		case 2:
			p = printData{}
		case 3:
			fill(&p, 32767)
		}
		q := trial % printParts
		for sh := -printShift; sh <= printShift; sh++ {
			lo, hi := sh*frameLen-frameLen/2, sh*frameLen+frameLen/2
			got, r := coarseLag(&k, &p, q, lo, hi)
			if want, wantR := ref(&k, &p, q, lo, hi); got != want || r != wantR {
				t.Fatalf("trial %d part %d shift %d: coarseLag %d (r %v), waveRStep's loop %d (r %v)", trial, q, sh, got, r, want, wantR)
			}
			if trial%4 == 1 && sh == 0 && trial%3 != 2 {
				if got != 26 {
					t.Fatalf("trial %d: a copy 26 samples later found at lag %d", trial, got)
				}
			}
		}
	}
}

// BenchmarkWavesMatch is one candidate's waveform check against a print
// that does not match it, the usual case: a person's first words against
// a known greeting whose level contour looks alike.
func BenchmarkWavesMatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 1))
	var k, p printData
	for i := range k.pcm {
		k.pcm[i], p.pcm[i] = int16(rng.NormFloat64()*3000), int16(rng.NormFloat64()*3000)
	}
	b.ReportAllocs()
	for b.Loop() {
		if wavesMatch(&k, &p, 2) {
			b.Fatal("noise matched noise")
		}
	}
}

// BenchmarkBestMatch is one call's print against a full store (256 known
// prints, the default) that holds no match: what each machine's call
// costs once its print is taken, and again when its beep teaches it.
func BenchmarkBestMatch(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 2))
	contour := func(p *printData) {
		// Talkspurts of 100-600 ms at -35..-12 dBFS between pauses of
		// 50-400 ms, as greetings' levels go.
		for i := 0; i < printFrames; {
			n := 10 + rng.IntN(50)
			base := -35 + rng.Float64()*23
			for j := i; j < min(i+n, printFrames); j++ {
				p.level[j] = float32(base + rng.NormFloat64()*3)
			}
			i += n
			m := 5 + rng.IntN(35)
			for j := i; j < min(i+m, printFrames); j++ {
				p.level[j] = printQuietDB
			}
			i += m
		}
		for i := range p.pcm {
			p.pcm[i] = int16(rng.NormFloat64() * 3000)
		}
	}
	g := NewGreetings(0)
	for range 256 {
		p := new(printData)
		contour(p)
		p.c.fill(&p.level)
		g.entries = append(g.entries, greeting{p: p, class: Machine})
	}
	var p printData
	contour(&p)
	b.ReportAllocs()
	for b.Loop() {
		if g.bestMatch(&p) >= 0 {
			b.Fatal("a random print matched")
		}
	}
}

// TestLevelRSums: levelR, which takes the correlation's sums apart, gives
// what the plain loop over the frames gives, at every shift, for contours
// of talkspurts and pauses, all speech, all quiet and single frames.
func TestLevelRSums(t *testing.T) {
	loop := func(k, p *printData, sh int) float64 {
		var n, sx, sy, sxx, syy, sxy float64
		for i := range printFrames {
			j := i + sh
			if j < 0 || j >= printFrames {
				continue
			}
			x, y := float64(k.level[i]), float64(p.level[j])
			if x <= printQuietDB && y <= printQuietDB {
				continue
			}
			if x <= printQuietDB {
				x = y - 30
			}
			if y <= printQuietDB {
				y = x - 30
			}
			n++
			sx, sy, sxx, syy, sxy = sx+x, sy+y, sxx+x*x, syy+y*y, sxy+x*y
		}
		if n < printFrames/4 {
			return 0
		}
		vx, vy := sxx-sx*sx/n, syy-sy*sy/n
		if vx <= 0 || vy <= 0 {
			return 0
		}
		return (sxy - sx*sy/n) / math.Sqrt(vx*vy)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	fill := func(p *printData, kind int) {
		for i := range p.level {
			on := false
			switch kind {
			case 0: // talkspurts
				on = (i/(7+kind))%3 != 0 && rng.IntN(10) > 0
			case 1:
				on = true
			case 2:
				on = false
			case 3:
				on = i == rng.IntN(printFrames)
			default:
				on = rng.IntN(2) == 0
			}
			p.level[i] = printQuietDB
			if on {
				p.level[i] = float32(-40 + rng.Float64()*30)
			}
		}
		p.c.fill(&p.level)
	}
	var k, p printData
	nonzero := 0
	for trial := range 400 {
		fill(&k, trial%5)
		fill(&p, (trial/5)%5)
		for sh := -printShift; sh <= printShift; sh++ {
			got, want := levelR(&k, &p, sh), loop(&k, &p, sh)
			if math.Abs(got-want) > 1e-9 {
				t.Fatalf("trial %d shift %d: levelR %v, the loop %v", trial, sh, got, want)
			}
			if want != 0 {
				nonzero++
			}
		}
	}
	if nonzero < 1000 {
		t.Fatalf("only %d of the pairs had a correlation: the test compares too little", nonzero)
	}
}
