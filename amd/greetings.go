package amd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sync"
)

// Known greetings. Most voicemails a dialer reaches play one of a few
// recordings: the network's default greeting ("The person you are calling
// is not available..."), a company's voicemail system, the same
// subscriber called again. A recording heard once to its beep is known:
// the next call that plays it is a machine after printDur of it, instead
// of MachineSpeech.
//
// A call's print is its first printDur of audio from the first chain's
// voice start after the answer: the samples, and the level of each frame
// (dBFS, or quiet when the frame was not speech). A recording played again
// is the same samples under other noise, gain and codec, so its waveform
// correlates with the known one; other words do not, whoever says them,
// even the same synthetic voice starting with the same "Hello, this is".
// Two prints match when
//
//   - their level contours correlate (printLevelR) at a shift of up to
//     printShift frames (where the voice is found to start moves with the
//     noise), which is cheap and picks the candidates and the shift; then
//   - their waveforms, aligned to the sample around that shift, correlate
//     by printWaveR or more in every printPart of the known print that is
//     speech. Every part must: a person who says the first words of a
//     known greeting in its voice ("Hello, this is John" against "Hello,
//     this is Mark. I cannot...") fails on the words that differ.
//
// Greetings is the store, shared by the detectors of a process and safe
// for concurrent use. A call whose detector decided Machine and heard its
// beep teaches it its print. Replaying a capture through one engine feeds
// its calls in capture order, so what is known when, and every verdict, is
// the same on every run.

const (
	printFrames  = 120 // 1.2 s
	printSamples = printFrames * frameLen
	printShift   = 6                                // frames tried each way
	printPad     = printShift*frameLen + frameLen/2 // samples kept each side of the print, for the shifts
	printPart    = 20 * frameLen                    // 200 ms
	printParts   = printFrames / 20                 // 6
	printLevelR  = 0.4
	printWaveR   = 0.5
	printQuietDB = -100.0
	// printCandidates known prints, those whose level contours correlate
	// best with a call's, have their waveforms compared.
	printCandidates = 8
	// The ring of PCM kept after the answer until the print is taken: the
	// print, its padding and the speech logic's lag behind the newest
	// sample (ringSize frames) fit with room to spare.
	printRingSamples = 2 * SampleRate
	printEnvRing     = 256 // frames of levels kept, likewise
)

// printData is a print: the levels of its frames and its samples, with
// printPad more on each side for alignment.
type printData struct {
	level [printFrames]float32
	pcm   [printSamples + 2*printPad]int16
	c     contour // level, for levelR: filled by bestMatch (then kept by learn) and ReadFrom
}

var (
	printRingPool = sync.Pool{New: func() any { return new([printRingSamples]int16) }}
	printPool     = sync.Pool{New: func() any { return new(printData) }}
)

// Greetings holds known greetings' prints, at most max (the least recently
// matched give way).
type Greetings struct {
	mu      sync.Mutex
	entries []greeting
	max     int
	clock   uint64
}

type greeting struct {
	p     *printData
	class Class // Machine (a voicemail greeting) or Announcement (the network's)
	used  uint64
}

// NewGreetings returns an empty store of up to max prints (256 when max
// is not positive; each holds 1.2 s of audio, about 20 kB).
func NewGreetings(max int) *Greetings {
	if max <= 0 {
		max = 256
	}
	return &Greetings{max: max}
}

// Len returns how many greetings are known.
func (g *Greetings) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.entries)
}

// match returns the class of the known recording p plays (Machine or
// Announcement), Unknown when it is none.
func (g *Greetings) match(p *printData) Class {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.clock++
	if i := g.bestMatch(p); i >= 0 {
		g.entries[i].used = g.clock
		return g.entries[i].class
	}
	return Unknown
}

// learn adds p as a recording of class unless it is known already (then p
// is not kept; a recording learnt both ways keeps the first). It reports
// whether it kept p.
func (g *Greetings) learn(p *printData, class Class) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.clock++
	if i := g.bestMatch(p); i >= 0 {
		g.entries[i].used = g.clock
		return false
	}
	if len(g.entries) < g.max {
		g.entries = append(g.entries, greeting{p: p, class: class, used: g.clock})
		return true
	}
	old := 0
	for i := range g.entries {
		if g.entries[i].used < g.entries[old].used {
			old = i
		}
	}
	printPool.Put(g.entries[old].p)
	g.entries[old] = greeting{p: p, class: class, used: g.clock}
	return true
}

// bestMatch returns the index of the known print that matches p, -1 for
// none. Only the printCandidates whose level contours correlate best with
// p's have their waveforms compared.
func (g *Greetings) bestMatch(p *printData) int {
	type cand struct {
		i, shift int
		r        float64
	}
	var top [printCandidates]cand
	n := 0
	p.c.fill(&p.level)
	for i := range g.entries {
		k := g.entries[i].p
		for sh := -printShift; sh <= printShift; sh++ {
			r := levelR(k, p, sh)
			if r < printLevelR {
				continue
			}
			// Keep the best printCandidates (entry, shift) pairs, best
			// first: insert c, dropping the last when full.
			j := min(n, len(top)-1)
			if n == len(top) && r <= top[j].r {
				continue
			}
			for ; j > 0 && top[j-1].r < r; j-- {
				top[j] = top[j-1]
			}
			top[j] = cand{i, sh, r}
			n = min(n+1, len(top))
		}
	}
	for _, c := range top[:n] {
		if wavesMatch(g.entries[c.i].p, p, c.shift) {
			return c.i
		}
	}
	return -1
}

// levelR is the correlation of k's frame levels with p's shifted by sh
// frames (p[i+sh] against k[i]), over the frames where either is speech.
// A quiet frame counts at the other's level less 30 dB: speech against a
// pause is a large difference, not an unknown. Both prints' contours must
// be filled.
//
// It is the sums of that correlation taken apart: over each print's
// speech frames in range (prefix sums), less or plus the frames both
// speak (the only loop, over the set bits of the two masks' overlap).
// That is the cost of bestMatch, which tries every known print at 13
// shifts.
func levelR(k, p *printData, sh int) float64 {
	lo, hi := max(0, -sh), min(printFrames, printFrames-sh)
	kc, pc := &k.c, &p.c
	na, sax, sax2 := kc.n[hi]-kc.n[lo], kc.x[hi]-kc.x[lo], kc.x2[hi]-kc.x2[lo]
	nb, sby, sby2 := pc.n[hi+sh]-pc.n[lo+sh], pc.x[hi+sh]-pc.x[lo+sh], pc.x2[hi+sh]-pc.x2[lo+sh]
	// p's mask moved so that its bit i is frame i+sh; bits shifted in
	// are zero, and k has none past printFrames.
	b0, b1 := pc.mask[0], pc.mask[1]
	switch {
	case sh > 0:
		b0, b1 = b0>>sh|b1<<(64-sh), b1>>sh
	case sh < 0:
		b0, b1 = b0<<-sh, b1<<-sh|b0>>(64+sh)
	}
	var in, ix, ix2, iy, iy2, ixy float64
	for w, m := range [2]uint64{kc.mask[0] & b0, kc.mask[1] & b1} {
		for m != 0 {
			i := w*64 + bits.TrailingZeros64(m)
			m &= m - 1
			x, y := kc.lv[i], pc.lv[i+sh]
			in, ix, ix2, iy, iy2, ixy = in+1, ix+x, ix2+x*x, iy+y, iy2+y*y, ixy+x*y
		}
	}
	// Frames only k speaks (a), only p speaks (b).
	an, ax, ax2 := na-in, sax-ix, sax2-ix2
	bn, by, by2 := nb-in, sby-iy, sby2-iy2
	n := na + bn
	if n < printFrames/4 {
		return 0
	}
	sx := sax + by - 30*bn
	sy := sby + ax - 30*an
	sxx := sax2 + by2 - 60*by + 900*bn
	syy := sby2 + ax2 - 60*ax + 900*an
	sxy := ixy + ax2 - 30*ax + by2 - 30*by
	vx, vy := sxx-sx*sx/n, syy-sy*sy/n
	if vx <= 0 || vy <= 0 {
		return 0
	}
	return (sxy - sx*sy/n) / math.Sqrt(vx*vy)
}

// contour is a print's frame levels as levelR sums them: a mask of its
// speech frames, each frame's level (0 when quiet), and prefix sums of
// the speech frames' count, levels and squared levels.
type contour struct {
	mask     [2]uint64
	lv       [printFrames]float64
	n, x, x2 [printFrames + 1]float64
}

// fill computes c from levels.
func (c *contour) fill(level *[printFrames]float32) {
	c.mask = [2]uint64{}
	for i, l := range level {
		v, on := float64(l), 0.0
		if v > printQuietDB {
			c.mask[i/64] |= 1 << (i % 64)
			on = 1
		} else {
			v = 0
		}
		c.lv[i] = v
		c.n[i+1], c.x[i+1], c.x2[i+1] = c.n[i]+on, c.x[i]+v, c.x2[i]+v*v
	}
}

// wavesMatch aligns p's samples with k's around a shift of sh frames (to
// the sample, on k's loudest part) and checks every part of k that is
// speech.
func wavesMatch(k, p *printData, sh int) bool {
	// The loudest part of k aligns best.
	loud, loudE := 0, -1.0
	var energies [printParts]float64
	for q := range printParts {
		e := 0.0
		for _, v := range k.pcm[printPad+q*printPart : printPad+(q+1)*printPart] {
			e += float64(v) * float64(v)
		}
		energies[q] = e
		if e > loudE {
			loud, loudE = q, e
		}
	}
	if loudE <= 0 {
		return false
	}
	// Every other lag on every other sample, then the lags around the
	// best on all of them.
	lag, _ := coarseLag(k, p, loud, sh*frameLen-frameLen/2, sh*frameLen+frameLen/2)
	best, at := -1.0, lag
	for l := max(at-2, sh*frameLen-frameLen/2); l <= min(at+2, sh*frameLen+frameLen/2); l++ {
		if r := waveR(k, p, loud, l); r > best {
			best, lag = r, l
		}
	}
	if best < printWaveR {
		return false
	}
	parts := 0
	for q := range printParts {
		if energies[q] < loudE/1000 { // 30 dB under the loudest: a pause
			continue
		}
		if waveR(k, p, q, lag) < printWaveR {
			return false
		}
		parts++
	}
	return parts >= printParts/2
}

// waveR is the normalised correlation of k's part q with p's samples lag
// later (|lag| <= printPad, so p has them).
func waveR(k, p *printData, q, lag int) float64 { return waveRStep(k, p, q, lag, 1) }

// coarseLag returns the lag in lo, lo+2, ... hi at which waveRStep(k, p,
// q, lag, 2) is highest (the first of equals) and that correlation. It is
// that loop with the energies kept rather than summed again: k's part is
// the same at every lag, and p's changes by one sample at each end (exact,
// in integers), so each lag costs one product a sample instead of three.
func coarseLag(k, p *printData, q, lo, hi int) (int, float64) {
	x := k.pcm[printPad+q*printPart : printPad+(q+1)*printPart]
	var ex, ey int64
	for i := 0; i < len(x); i += 2 {
		a := int64(x[i])
		ex += a * a
	}
	base := printPad + q*printPart
	for i := 0; i < len(x); i += 2 {
		b := int64(p.pcm[base+lo+i])
		ey += b * b
	}
	best, lag := -1.0, 0
	for l := lo; l <= hi; l += 2 {
		if l > lo {
			out, in := int64(p.pcm[base+l-2]), int64(p.pcm[base+l-2+len(x)])
			ey += in*in - out*out
		}
		y := p.pcm[base+l : base+l+len(x)]
		var c int64
		for i := 0; i < len(x); i += 2 {
			c += int64(x[i]) * int64(y[i])
		}
		r := 0.0
		if ex > 0 && ey > 0 {
			r = float64(c) / math.Sqrt(float64(ex)*float64(ey))
		}
		if r > best {
			best, lag = r, l
		}
	}
	return lag, best
}

// waveRStep is waveR on every step-th sample.
func waveRStep(k, p *printData, q, lag, step int) float64 {
	x := k.pcm[printPad+q*printPart : printPad+(q+1)*printPart]
	y := p.pcm[printPad+q*printPart+lag : printPad+(q+1)*printPart+lag]
	y = y[:len(x)]
	var c, ex, ey int64
	for i := 0; i < len(x); i += step {
		a, b := int64(x[i]), int64(y[i])
		c, ex, ey = c+a*b, ex+a*a, ey+b*b
	}
	if ex <= 0 || ey <= 0 {
		return 0
	}
	return float64(c) / math.Sqrt(float64(ex)*float64(ey))
}

// The known greetings' file: greetingsMagic, then little-endian uint32s
// version 2, frames per print, samples per print and the count, then each
// print's class (a byte: 2 machine, 3 announcement), levels (float32) and
// samples (int16).
const greetingsMagic = "callsight known greetings\n"

// WriteTo writes the known greetings to w in the form ReadFrom reads, so
// that a service keeps what it learnt across restarts.
func (g *Greetings) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	g.mu.Lock()
	b.Grow(len(greetingsMagic) + 16 + len(g.entries)*(4*printFrames+2*len(printData{}.pcm)))
	b.WriteString(greetingsMagic)
	for _, v := range []uint32{2, printFrames, uint32(len(printData{}.pcm)), uint32(len(g.entries))} {
		b.Write(binary.LittleEndian.AppendUint32(nil, v))
	}
	for _, e := range g.entries {
		b.WriteByte(byte(e.class))
		for _, l := range e.p.level {
			b.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(l)))
		}
		for _, s := range e.p.pcm {
			b.Write(binary.LittleEndian.AppendUint16(nil, uint16(s)))
		}
	}
	g.mu.Unlock()
	return b.WriteTo(w)
}

// ReadFrom adds the greetings written by WriteTo to the store (up to its
// size). A file of another version or print size is refused whole; a
// truncated one keeps the greetings read before the cut, and says so.
func (g *Greetings) ReadFrom(r io.Reader) (read int64, err error) {
	full := func(b []byte) error {
		n, err := io.ReadFull(r, b)
		read += int64(n)
		return err
	}
	head := make([]byte, len(greetingsMagic)+16)
	if err := full(head); err != nil {
		return read, fmt.Errorf("amd: known greetings: header: %w", err)
	}
	if string(head[:len(greetingsMagic)]) != greetingsMagic {
		return read, errors.New("amd: known greetings: not a known-greetings file")
	}
	u := func(i int) uint32 { return binary.LittleEndian.Uint32(head[len(greetingsMagic)+4*i:]) }
	if u(0) != 2 || u(1) != printFrames || u(2) != uint32(len(printData{}.pcm)) {
		return read, fmt.Errorf("amd: known greetings: version %d with prints of %d frames and %d samples; this build reads version 2 with %d and %d",
			u(0), u(1), u(2), printFrames, len(printData{}.pcm))
	}
	n := int(u(3))
	buf := make([]byte, 1+4*printFrames+2*len(printData{}.pcm))
	for i := range n {
		if err := full(buf); err != nil {
			return read, fmt.Errorf("amd: known greetings: greeting %d of %d: %w (the %d before it are kept)", i+1, n, err, i)
		}
		class := Class(buf[0])
		if class != Machine && class != Announcement {
			return read, fmt.Errorf("amd: known greetings: greeting %d of %d: class %d (the %d before it are kept)", i+1, n, buf[0], i)
		}
		p := new(printData)
		for j := range p.level {
			p.level[j] = math.Float32frombits(binary.LittleEndian.Uint32(buf[1+4*j:]))
		}
		p.c.fill(&p.level)
		off := 1 + 4*printFrames
		for j := range p.pcm {
			p.pcm[j] = int16(binary.LittleEndian.Uint16(buf[off+2*j:]))
		}
		g.mu.Lock()
		if len(g.entries) < g.max { // they were told apart when learnt
			g.clock++
			g.entries = append(g.entries, greeting{p: p, class: class, used: g.clock})
		}
		g.mu.Unlock()
	}
	return read, nil
}

// UseGreetings makes the detector recognise the known greetings of g and
// teach it the greetings of the machines it hears to their beep
// (greetings.go). nil, the default, turns that off. Call it before Answer;
// Reset keeps it.
func (d *Detector) UseGreetings(g *Greetings) { d.greetings = g }

// knownGreeting takes the call's print once printSamples (and the slack
// after them) from the first chain's voice start have been written and the
// speech logic has reached their end (now is the end of the frame it took
// last), and decides Machine when the print is a known greeting's and the
// speech went on to within 400 ms of its end (a greeting's pause between
// sentences may fall there; a hello that stopped long before is not one).
// Once the print is taken, it teaches the store what the beep proved a
// greeting.
func (d *Detector) knownGreeting(now int64) {
	if d.gDone {
		d.learnGreeting(now)
		return
	}
	if d.v.Decided && d.v.Class != Unknown {
		d.releasePrint() // decided before a print: no use for one
		d.gDone = true
		return
	}
	if !d.sp.chainOn {
		return
	}
	from := d.sp.voiceStart
	last := from + printSamples
	if now < last || d.next < last+printPad || d.gN == 0 || d.gAt[(d.gN-1)%printEnvRing] < last-frameLen {
		return
	}
	d.gDone = true
	if d.next-(from-printPad) > printRingSamples {
		d.releasePrint() // the voice started too long before (a moved start)
		return
	}
	p := printPool.Get().(*printData)
	newest := d.gAt[(d.gN-1)%printEnvRing]
	for i := range printFrames {
		at := from + int64(i)*frameLen
		back := (newest - at) / frameLen
		k := (d.gN - 1 - back) % printEnvRing
		if back < 0 || back >= min(d.gN, printEnvRing) || d.gAt[k] != at {
			printPool.Put(p) // a jump in the sample clock: no print
			d.releasePrint()
			return
		}
		p.level[i] = d.gLevel[k]
	}
	for j := range p.pcm {
		p.pcm[j] = 0
		if s := from - printPad + int64(j); s >= d.answerAt {
			p.pcm[j] = d.gRing[s%printRingSamples]
		}
	}
	printRingPool.Put(d.gRing)
	d.gRing = nil
	if d.open() && d.v.Class != Silence && d.sp.lastSpeech >= last-samples(400e6) {
		switch d.greetings.match(p) {
		case Machine:
			d.decide(Machine, 0.9, ReasonKnownGreeting)
			printPool.Put(p)
			return
		case Announcement:
			d.decide(Announcement, 0.9, ReasonKnownAnnouncement)
			printPool.Put(p)
			return
		}
	}
	d.gPrint = p
}

// learnGreeting teaches the store the call's print once the beep after a
// machine's greeting is heard; the print is let go when the call turns out
// to be no machine, or a person for printKeepHuman (a greeting taken for a
// hello has its beep, an announcement its release, within that time; a
// conversation must not hold 20 kB for its whole length).
func (d *Detector) learnGreeting(now int64) {
	if d.gPrint == nil || !d.v.Decided {
		return
	}
	if d.v.Class == Human && now-d.v.DecidedAt > printKeepHuman {
		d.releasePrint()
		return
	}
	switch {
	case d.v.Class == Machine && d.v.BeepEnd >= 0:
		if !d.greetings.learn(d.gPrint, Machine) {
			printPool.Put(d.gPrint)
		}
		d.gPrint = nil
	case d.v.Class != Machine && d.v.Class != Human && d.v.Class != Unknown:
		d.releasePrint() // fax, dead air, an announcement: no greeting
	}
}

// Taught tells the detector, after End, what its caller made of the call.
// An answered announcement sounds like a greeting without a beep: the
// caller tells them apart by who released the call and when. When it says
// Announcement, the print the detector still holds is learnt as the
// network's, and the next call that plays it is an Announcement after
// 1.2 s (ReasonKnownAnnouncement); anything else lets the print go.
func (d *Detector) Taught(c Class) {
	if d.greetings != nil && d.gPrint != nil && c == Announcement {
		if !d.greetings.learn(d.gPrint, Announcement) {
			printPool.Put(d.gPrint)
		}
		d.gPrint = nil
	}
	d.releasePrint()
}

// printKeepHuman is how long a print is kept after a Human verdict.
var printKeepHuman = samples(8e9)

// keepPCM copies the samples from the answer on into the print ring.
func (d *Detector) keepPCM(pcm []int16, sample int64) {
	if skip := d.answerAt - sample; skip > 0 {
		if skip >= int64(len(pcm)) {
			return
		}
		pcm, sample = pcm[skip:], d.answerAt
	}
	for len(pcm) > 0 {
		at := int(sample % printRingSamples)
		n := copy(d.gRing[at:], pcm)
		pcm, sample = pcm[n:], sample+int64(n)
	}
}

// releasePrint returns what the known-greeting check holds to its pools.
func (d *Detector) releasePrint() {
	if d.gRing != nil {
		printRingPool.Put(d.gRing)
		d.gRing = nil
	}
	if d.gPrint != nil {
		printPool.Put(d.gPrint)
		d.gPrint = nil
	}
}

// endPrint, at End, learns the print or lets it go; only a machine
// without a beep, maybe the network's announcement, keeps it for Taught.
func (d *Detector) endPrint(now int64) {
	d.learnGreeting(now)
	if d.gRing != nil {
		printRingPool.Put(d.gRing)
		d.gRing = nil
	}
	if d.v.Class != Machine || d.v.BeepEnd >= 0 {
		d.releasePrint()
	}
}
