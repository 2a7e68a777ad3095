// Package tone finds tones in 8 kHz telephone audio, frame by frame: a
// one-sinusoid (Pisarenko) frequency and purity estimate from symmetric
// autocorrelation lags, Goertzel filters (one, or four side by side) to
// confirm a candidate, a DTMF decoder, the special information tone (SIT)
// bands and a tracker that turns tonal frames into segments with a start, an
// end and a frequency.
//
// The estimate is cheap enough to run on every frame (four multiply-adds per
// sample); Goertzel filters run only on the frames that it flags, so the
// cost is paid where tones are. Nothing here allocates.
package tone

import "math"

// Lags are the symmetric autocorrelation sums of a frame over its inner
// samples n = 3..len-4: R0 = sum x[n]^2, Rk = sum x[n](x[n-k]+x[n+k])/2.
// Because every sum covers the same samples, a pure tone gives
// Rk = R0 cos kw exactly, at any phase.
type Lags struct{ R0, R1, R2, R3 int64 }

// Differenced returns the lags of the first difference x[n]-x[n-1]
// (approximately, from these lags): a tone keeps its frequency while
// low-frequency noise (hum, pink noise, voice) is attenuated.
func (l Lags) Differenced() Lags {
	return Lags{
		R0: 2*l.R0 - 2*l.R1,
		R1: 2*l.R1 - l.R0 - l.R2,
		R2: 2*l.R2 - l.R1 - l.R3,
	}
}

// power is a Goertzel filter's power from its last two states s1, s2 and
// coefficient k, scaled by scale (2/n² for a frame of n samples).
func power(s1, s2, k, scale float64) float64 { return (s1*s1 + s2*s2 - k*s1*s2) * scale }

// Summed returns the lags of the first sum x[n]+x[n-1] (approximately, from
// these lags): a tone keeps its frequency while its harmonics and
// high-frequency noise are attenuated (by 7.7 dB more at three times an
// 800 Hz fundamental), so a harmonic-rich beep (a square wave) fits one
// tone.
func (l Lags) Summed() Lags {
	return Lags{
		R0: 2*l.R0 + 2*l.R1,
		R1: 2*l.R1 + l.R0 + l.R2,
		R2: 2*l.R2 + l.R1 + l.R3,
	}
}

// Correlate returns the Lags of x (zero when x has fewer than 7 samples).
func Correlate(x []int16) Lags {
	l, _ := CorrelateSum(x)
	return l
}

// CorrelateSum returns the Lags of x, as Correlate does, and the sum of the
// squares of all of x's samples (the inner ones that R0 covers and the
// three at either end), in the same pass.
//
// Each sum is exact (integers), so it may be gathered in any order: a lag's
// two halves, x[n]x[n-k] and x[n]x[n+k], are the same products x[m]x[m-k]
// over two ranges that overlap but for k samples at either end, so one
// product per lag and sample is summed over the overlap and doubled, and
// the few at the ends are added once.
func CorrelateSum(x []int16) (Lags, int64) {
	n := len(x)
	if n < 10 || n >= 1<<22 {
		return correlateShort(x)
	}
	// The first six samples and the last six (y0 = x[len-6] .. y5).
	x0, x1, x2, x3, x4, x5 := int64(x[0]), int64(x[1]), int64(x[2]), int64(x[3]), int64(x[4]), int64(x[5])
	t := x[n-6:]
	y0, y1, y2, y3, y4, y5 := int64(t[0]), int64(t[1]), int64(t[2]), int64(t[3]), int64(t[4]), int64(t[5])
	// The overlap of all four ranges, n = 6..len-4: a, b, c are
	// x[n-3], x[n-2], x[n-1]. Lags 2 and 3 are summed in floating point,
	// which runs beside the integer multiplier: every product (at most
	// 2^30) and every partial sum (under 2^53 for any frame shorter than
	// 2^22 samples) is an integer that float64 holds exactly, so the sums
	// are the same to the last bit.
	var s0, s1 int64
	var f2, f3 float64
	a, b, c := float64(x3), float64(x4), x5
	for _, v := range x[6 : n-3] {
		d, fd := int64(v), float64(v)
		s0 += d * d
		s1 += d * c
		f2 += fd * b
		f3 += fd * a
		a, b, c = b, float64(c), d
	}
	s2, s3 := int64(f2), int64(f3)
	r0 := s0 + x3*x3 + x4*x4 + x5*x5
	r1 := 2*(s1+x4*x3+x5*x4) + x3*x2 + y3*y2
	r2 := 2*(s2+x5*x3) + x3*x1 + x4*x2 + y3*y1 + y4*y2
	r3 := 2*s3 + x3*x0 + x4*x1 + x5*x2 + y3*y0 + y4*y1 + y5*y2
	sum := r0 + x0*x0 + x1*x1 + x2*x2 + y3*y3 + y4*y4 + y5*y5
	return Lags{R0: r0, R1: r1 / 2, R2: r2 / 2, R3: r3 / 2}, sum
}

// correlateShort is CorrelateSum for fewer than 10 samples, by the
// definition.
func correlateShort(x []int16) (Lags, int64) {
	var sum int64
	for _, v := range x {
		sum += int64(v) * int64(v)
	}
	if len(x) < 7 {
		return Lags{}, sum
	}
	var r0, r1, r2, r3 int64
	for n := 3; n < len(x)-3; n++ {
		d := int64(x[n])
		r0 += d * d
		r1 += d*int64(x[n-1]) + d*int64(x[n+1])
		r2 += d*int64(x[n-2]) + d*int64(x[n+2])
		r3 += d*int64(x[n-3]) + d*int64(x[n+3])
	}
	return Lags{R0: r0, R1: r1 / 2, R2: r2 / 2, R3: r3 / 2}, sum
}

// Estimate is the single-tone model of a frame.
type Estimate struct {
	Freq     float64 // Hz
	Fraction float64 // share of the frame power in the tone, 0..1
}

// Pisarenko fits one sinusoid in white noise to the lags: with tone power S
// at angular frequency w and noise power N, R0 = S+N, R1 = S cos w,
// R2 = S cos 2w, so cos w is the root of 2 R1 c^2 - R2 c - R1 = 0 that a
// pure tone gives exactly, and S/R0 is the tone's share of the power. ok is
// false when the frame fits no tone. Two tones close together (ringback
// 440+480) fit as one tone at their mean: callers check purity with a
// Goertzel filter and steadiness of level across frames.
func Pisarenko(l Lags, rate float64) (Estimate, bool) {
	if l.R0 <= 0 {
		return Estimate{}, false
	}
	m0, m1, m2 := float64(l.R0), float64(l.R1), float64(l.R2)
	var c float64
	if m1 != 0 {
		c = (m2 + math.Sqrt(m2*m2+8*m1*m1)) / (4 * m1)
	}
	if c > 1 || c < -1 {
		return Estimate{}, false
	}
	var s float64
	if math.Abs(c) >= 0.3 {
		s = m1 / c
	} else {
		s = -m2 / (1 - 2*c*c)
	}
	if s <= 0 {
		return Estimate{}, false
	}
	frac := s / m0
	if frac > 1 {
		frac = 1
	}
	return Estimate{Freq: math.Acos(c) * rate / (2 * math.Pi), Fraction: frac}, true
}

// Goertzel is a single-bin DFT at an arbitrary frequency.
type Goertzel struct {
	coeff float64
}

// NewGoertzel returns a filter for freq Hz at rate samples per second.
func NewGoertzel(freq, rate float64) Goertzel {
	return Goertzel{coeff: 2 * math.Cos(2*math.Pi*freq/rate)}
}

// Power returns the mean-square power of the component of x at the filter's
// frequency: A^2/2 for a sinusoid of amplitude A that fills x. Divided by the
// mean square of x it is the share of x's power at that frequency (1 for a
// pure tone; a tone filling only m of n samples gives about m/n).
func (g Goertzel) Power(x []int16) float64 {
	var s1, s2 float64
	k := g.coeff
	for _, v := range x {
		s0 := float64(v) + k*s1 - s2
		s2, s1 = s1, s0
	}
	n := float64(len(x))
	if n == 0 {
		return 0
	}
	p := s1*s1 + s2*s2 - k*s1*s2
	return 2 * p / (n * n)
}

// PowerHalves is the mean of the Power of the two halves of x: a filter
// twice as wide, run as two independent recurrences side by side, for about
// half the time of Power on a band-power check.
func (g Goertzel) PowerHalves(x []int16) float64 {
	h := len(x) / 2
	if h == 0 {
		return 0
	}
	a, b := x[:h], x[h:2*h]
	var a1, a2, b1, b2 float64
	k := g.coeff
	for i := range a {
		a0 := float64(a[i]) + k*a1 - a2
		b0 := float64(b[i]) + k*b1 - b2
		a2, a1 = a1, a0
		b2, b1 = b1, b0
	}
	s := 1 / (float64(h) * float64(h))
	return power(a1, a2, k, s) + power(b1, b2, k, s)
}

// Power4 returns the Power of x at four filters in one pass: the four
// recurrences are independent, so they run side by side for about the cost
// of one.
func Power4(x []int16, g *[4]Goertzel) [4]float64 {
	var a1, a2, b1, b2, c1, c2, d1, d2 float64
	ka, kb, kc, kd := g[0].coeff, g[1].coeff, g[2].coeff, g[3].coeff
	for _, v := range x {
		f := float64(v)
		a0 := f + ka*a1 - a2
		b0 := f + kb*b1 - b2
		c0 := f + kc*c1 - c2
		d0 := f + kd*d1 - d2
		a2, a1 = a1, a0
		b2, b1 = b1, b0
		c2, c1 = c1, c0
		d2, d1 = d1, d0
	}
	var p [4]float64
	n := float64(len(x))
	if n == 0 {
		return p
	}
	s := 2 / (n * n)
	p[0] = power(a1, a2, ka, s)
	p[1] = power(b1, b2, kb, s)
	p[2] = power(c1, c2, kc, s)
	p[3] = power(d1, d2, kd, s)
	return p
}

// Power8 returns the Power of x at eight filters in one pass. Each result
// is bit for bit what Power4 gives for its filter: every recurrence runs
// its own operations in the same order. Eight side by side keep the
// floating-point units busy where four wait on their own latency, so the
// eight cost about one and a half times four.
func Power8(x []int16, g *[8]Goertzel) [8]float64 {
	// s1 and s2 of each recurrence swap roles from one sample to the next
	// (two samples per step), which saves the moves.
	var a1, a2, b1, b2, c1, c2, d1, d2, e1, e2, f1, f2, g1, g2, h1, h2 float64
	ka, kb, kc, kd := g[0].coeff, g[1].coeff, g[2].coeff, g[3].coeff
	ke, kf, kg, kh := g[4].coeff, g[5].coeff, g[6].coeff, g[7].coeff
	i := 0
	for ; i+1 < len(x); i += 2 {
		v := float64(x[i])
		a2 = v + ka*a1 - a2
		b2 = v + kb*b1 - b2
		c2 = v + kc*c1 - c2
		d2 = v + kd*d1 - d2
		e2 = v + ke*e1 - e2
		f2 = v + kf*f1 - f2
		g2 = v + kg*g1 - g2
		h2 = v + kh*h1 - h2
		v = float64(x[i+1])
		a1 = v + ka*a2 - a1
		b1 = v + kb*b2 - b1
		c1 = v + kc*c2 - c1
		d1 = v + kd*d2 - d1
		e1 = v + ke*e2 - e1
		f1 = v + kf*f2 - f1
		g1 = v + kg*g2 - g1
		h1 = v + kh*h2 - h1
	}
	if i < len(x) {
		v := float64(x[i])
		a1, a2 = v+ka*a1-a2, a1
		b1, b2 = v+kb*b1-b2, b1
		c1, c2 = v+kc*c1-c2, c1
		d1, d2 = v+kd*d1-d2, d1
		e1, e2 = v+ke*e1-e2, e1
		f1, f2 = v+kf*f1-f2, f1
		g1, g2 = v+kg*g1-g2, g1
		h1, h2 = v+kh*h1-h2, h1
	}
	var p [8]float64
	n := float64(len(x))
	if n == 0 {
		return p
	}
	s := 2 / (n * n)
	p[0] = power(a1, a2, ka, s)
	p[1] = power(b1, b2, kb, s)
	p[2] = power(c1, c2, kc, s)
	p[3] = power(d1, d2, kd, s)
	p[4] = power(e1, e2, ke, s)
	p[5] = power(f1, f2, kf, s)
	p[6] = power(g1, g2, kg, s)
	p[7] = power(h1, h2, kh, s)
	return p
}

// Rate is the sample rate the package-level filters are built for.
const Rate = 8000

// DTMF frequencies, ITU-T Q.23.
var (
	dtmfLow   = [4]float64{697, 770, 852, 941}
	dtmfHigh  = [4]float64{1209, 1336, 1477, 1633}
	dtmfKeys  = [4][4]byte{{'1', '2', '3', 'A'}, {'4', '5', '6', 'B'}, {'7', '8', '9', 'C'}, {'*', '0', '#', 'D'}}
	dtmfBankL = bank(dtmfLow[:])
	dtmfBankH = bank(dtmfHigh[:])
)

func bank(f []float64) [4]Goertzel {
	var g [4]Goertzel
	for i := range f {
		g[i] = NewGoertzel(f[i], Rate)
	}
	return g
}

// DTMF decodes a frame (at Rate) as a dual-tone key press: the strongest row
// and column tones must hold most of the power (meanSquare is the frame's),
// each a fair share of it (twist within about 8 dB), and stand well above
// the other tones of their group. It returns the key and both frequencies.
func DTMF(x []int16, meanSquare float64) (key byte, low, high float64, ok bool) {
	if meanSquare <= 0 {
		return 0, 0, 0, false
	}
	pl := Power4(x, &dtmfBankL)
	li := 0
	for i := range 4 {
		if pl[i] > pl[li] {
			li = i
		}
	}
	l := pl[li] / meanSquare
	if l < 0.1 {
		return 0, 0, 0, false // no row tone: skip the columns
	}
	ph := Power4(x, &dtmfBankH)
	hi := 0
	for i := range 4 {
		if ph[i] > ph[hi] {
			hi = i
		}
	}
	h := ph[hi] / meanSquare
	if l+h < 0.7 || h < 0.1 {
		return 0, 0, 0, false
	}
	for i := range 4 {
		if i != li && pl[i] > pl[li]/3 || i != hi && ph[i] > ph[hi]/3 {
			return 0, 0, 0, false
		}
	}
	return dtmfKeys[li][hi], dtmfLow[li], dtmfHigh[hi], true
}

// SITBand returns which special-information-tone segment a frequency belongs
// to (1: 913.8 or 985.2 Hz, 2: 1370.6 or 1428.5 Hz, 3: 1776.7 Hz), or 0.
// Spec: ITU-T Q.35 / ANSI T1.401 (segments of 274 or 380 ms in that order).
func SITBand(f float64) int {
	switch {
	case f >= 890 && f <= 1010:
		return 1
	case f >= 1340 && f <= 1460:
		return 2
	case f >= 1740 && f <= 1815:
		return 3
	}
	return 0
}

// Segment is one tone found by a Tracker.
type Segment struct {
	Start, End int64   // sample indices: first sample of the tone, first sample after it
	Freq       float64 // mean frequency, Hz
	Level      float64 // mean level, dBFS
	Frames     int     // tonal frames in it
	Missed     int     // frames inside it that were not tonal and held no packet loss
}

// Frame is what a Tracker needs to know about one frame.
type Frame struct {
	Start, End int64
	Tonal      bool    // the frame matches the tracker's kind of tone
	Freq       float64 // its frequency when Tonal
	Level      float64 // its level, dBFS
	Lost       bool    // it holds concealed packet loss
	Partial    float64 // when not Tonal: share (0..1) of the frame still holding the tracked tone, for a precise end
}

// Tracker follows one tone at a time: consecutive tonal frames whose
// frequency stays within FreqTol (relative) or MinTol Hz of the running mean
// and, when LevelTol > 0, whose level stays within LevelTol dB of it. It
// bridges MaxMiss non-tonal frames (MaxLostMiss when they hold packet loss)
// and ends the tone after that. A tonal frame at another frequency ends the
// tone and starts a new one (SIT segments follow each other without a gap),
// unless Sticky is set: then it counts as a miss (cadence tones whose
// estimate jitters, like two close tones beating).
type Tracker struct {
	Sticky      bool
	FreqTol     float64
	MinTol      float64
	LevelTol    float64
	MaxMiss     int
	MaxLostMiss int

	on       bool
	seg      Segment
	freqSum  float64
	levelSum float64
	levelN   int
	miss     int
	tail     float64
	lastEnd  int64
	missed   int // non-tonal, non-lost frames bridged so far
	pending  int // of which in the current gap
}

// Reset forgets the current tone.
func (t *Tracker) Reset() {
	t.on, t.miss, t.freqSum, t.levelSum, t.levelN, t.tail = false, 0, 0, 0, 0, 0
}

// Tracking returns the frequency of the tone being followed.
func (t *Tracker) Tracking() (float64, bool) {
	if !t.on {
		return 0, false
	}
	return t.freqSum / float64(t.seg.Frames), true
}

// Current returns the tone being followed, with its end so far.
func (t *Tracker) Current() (Segment, bool) {
	if !t.on {
		return Segment{}, false
	}
	s := t.seg
	s.End = t.lastEnd
	s.Freq = t.freqSum / float64(s.Frames)
	if t.levelN > 0 {
		s.Level = t.levelSum / float64(t.levelN)
	}
	s.Missed = t.missed
	return s, true
}

func (t *Tracker) matches(f Frame) bool {
	if !f.Tonal {
		return false
	}
	if !t.on {
		return true
	}
	mean := t.freqSum / float64(t.seg.Frames)
	tol := max(t.MinTol, t.FreqTol*mean)
	if math.Abs(f.Freq-mean) > tol {
		return false
	}
	if t.LevelTol > 0 && !f.Lost && t.levelN > 0 && math.Abs(f.Level-t.levelSum/float64(t.levelN)) > t.LevelTol {
		return false
	}
	return true
}

func (t *Tracker) start(f Frame) {
	t.on = true
	t.seg = Segment{Start: f.Start, Frames: 0}
	t.freqSum, t.levelSum, t.levelN, t.miss, t.tail = 0, 0, 0, 0, 0
	t.missed, t.pending = 0, 0
	t.add(f)
}

func (t *Tracker) add(f Frame) {
	t.seg.Frames++
	t.freqSum += f.Freq
	if !f.Lost {
		t.levelSum += f.Level
		t.levelN++
	}
	t.lastEnd = f.End
	t.missed += t.pending
	t.miss, t.tail, t.pending = 0, 0, 0
}

func (t *Tracker) finish() Segment {
	s, _ := t.Current()
	s.End = t.lastEnd + int64(t.tail+0.5)
	t.on = false
	return s
}

// Push feeds one frame and returns the tone that ended, if any. A tonal
// frame at another frequency ends the current tone and starts a new one.
func (t *Tracker) Push(f Frame) (Segment, bool) {
	if f.Tonal || t.on {
		return t.push(f)
	}
	return Segment{}, false // most frames: nothing to follow (inlined)
}

func (t *Tracker) push(f Frame) (Segment, bool) {
	if t.matches(f) {
		if !t.on {
			t.start(f)
		} else {
			t.add(f)
		}
		return Segment{}, false
	}
	if !t.on {
		return Segment{}, false
	}
	if f.Tonal && !t.Sticky {
		s := t.finish()
		t.start(f)
		return s, true
	}
	if t.miss == 0 {
		t.tail = min(max(f.Partial, 0), 1) * float64(f.End-f.Start)
	}
	t.miss++
	if !f.Lost {
		t.pending++
	}
	limit := t.MaxMiss
	if f.Lost {
		limit = t.MaxLostMiss
	}
	if t.miss > limit {
		return t.finish(), true
	}
	return Segment{}, false
}

// Flush ends the current tone, if any (at the end of the stream).
func (t *Tracker) Flush() (Segment, bool) {
	if !t.on {
		return Segment{}, false
	}
	return t.finish(), true
}
