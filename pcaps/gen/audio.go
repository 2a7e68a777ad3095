package gen

import (
	"math"
	"math/rand"
)

// Audio synthesis for the labelled audio corpus: call-progress tones, SIT,
// fax tones, noise, level and mixing. Signals are float64 at 8 kHz, full
// scale ±1; levels in dBFS are RMS relative to full scale (a full-scale sine
// is -3 dBFS).

const sampleRate = 8000

// msToN converts milliseconds to samples.
func msToN(ms float64) int { return int(math.Round(ms * sampleRate / 1000)) }

// nToMS converts a sample count to whole milliseconds.
func nToMS(n int) int64 { return int64(math.Round(float64(n) * 1000 / sampleRate)) }

func dbToAmp(db float64) float64 { return math.Pow(10, db/20) }

// sine returns n samples of the sum of freqs, each at peak amplitude amp.
func sine(n int, amp float64, freqs ...float64) []float64 {
	out := make([]float64, n)
	for _, f := range freqs {
		w := 2 * math.Pi * f / sampleRate
		for i := range out {
			out[i] += amp * math.Sin(w*float64(i))
		}
	}
	ramp(out, msToN(4))
	return out
}

// ramp fades the first and last k samples to avoid clicks.
func ramp(x []float64, k int) {
	if k*2 > len(x) {
		k = len(x) / 2
	}
	for i := 0; i < k; i++ {
		g := float64(i) / float64(k)
		x[i] *= g
		x[len(x)-1-i] *= g
	}
}

// cadence returns total samples of a tone switched on for on ms and off for
// off ms, starting on.
func cadence(total int, amp, onMS, offMS float64, freqs ...float64) []float64 {
	out := make([]float64, total)
	on, per := msToN(onMS), msToN(onMS+offMS)
	burst := sine(on, amp, freqs...)
	for s := 0; s < total; s += per {
		copy(out[s:], burst)
	}
	return out
}

// sitTones returns the three Special Information Tone segments (ITU-T
// E.180 §6; the North American ANSI T1.209 frequencies 913.8/985.2,
// 1370.6/1428.5, 1776.7 Hz with 274/380 ms segments) for variant v (0..3)
// and the total length.
func sitTones(v int, amp float64) []float64 {
	f1 := []float64{913.8, 985.2}[v&1]
	f2 := []float64{1370.6, 1428.5}[v>>1&1]
	d1, d2 := 274.0, 274.0
	if v&1 == 1 {
		d1 = 380
	}
	if v>>1&1 == 1 {
		d2 = 380
	}
	var out []float64
	out = append(out, sine(msToN(d1), amp, f1)...)
	out = append(out, sine(msToN(d2), amp, f2)...)
	out = append(out, sine(msToN(380), amp, 1776.7)...)
	return out
}

// cedV21 returns a fax answer sequence (ITU-T T.30 §5.3, V.25, V.21): CED
// 2100 Hz for cedMS with phase reversals every 450 ms, 75 ms of silence,
// then V.21 channel 2 HDLC flags (0x7E) in FSK at 300 bit/s (mark 1650 Hz,
// space 1850 Hz) for flagsMS.
func cedV21(amp, cedMS, flagsMS float64) []float64 {
	n := msToN(cedMS)
	out := make([]float64, n)
	w := 2 * math.Pi * 2100 / sampleRate
	rev := msToN(450)
	for i := range out {
		ph := 0.0
		if (i/rev)%2 == 1 {
			ph = math.Pi
		}
		out[i] = amp * math.Sin(w*float64(i)+ph)
	}
	ramp(out, msToN(4))
	out = append(out, make([]float64, msToN(75))...)
	m := msToN(flagsMS)
	fsk := make([]float64, m)
	phase := 0.0
	const flag = 0x7e
	for i := range fsk {
		bit := i * 300 / sampleRate
		f := 1850.0 // space, 0
		if flag>>(7-bit%8)&1 == 1 {
			f = 1650 // mark, 1
		}
		phase += 2 * math.Pi * f / sampleRate
		fsk[i] = amp * math.Sin(phase)
	}
	ramp(fsk, msToN(4))
	return append(out, fsk...)
}

// noiseGen makes coloured noise from a seeded PRNG.
type noiseGen struct {
	rnd                        *rand.Rand
	b0, b1, b2, b3, b4, b5, b6 float64
}

// Noise kinds written in truth.
const (
	noiseWhite  = "white"
	noisePink   = "pink"
	noiseBabble = "babble"
	noiseBrown  = "brown"
)

// noise returns n samples of kind at RMS level db dBFS.
func noise(rnd *rand.Rand, kind string, n int, db float64) []float64 {
	out := make([]float64, n)
	g := &noiseGen{rnd: rnd}
	switch kind {
	case noisePink:
		for i := range out {
			out[i] = g.pink()
		}
	case noiseBrown:
		v := 0.0
		for i := range out {
			v = 0.98*v + 0.2*rnd.NormFloat64()
			out[i] = v
		}
	case noiseBabble:
		// Several low-passed noise "talkers" with syllable-rate envelopes.
		for k := 0; k < 5; k++ {
			lp, env := 0.0, 0.0
			rate := 3 + rnd.Float64()*3
			ph := rnd.Float64() * 2 * math.Pi
			for i := range out {
				lp = 0.85*lp + 0.15*rnd.NormFloat64()
				env = 0.5 + 0.5*math.Sin(2*math.Pi*rate*float64(i)/sampleRate+ph)
				out[i] += lp * env * env
			}
		}
	default:
		for i := range out {
			out[i] = rnd.NormFloat64()
		}
	}
	setRMS(out, db)
	return out
}

// pink is Paul Kellet's refined pink-noise filter over white noise.
func (g *noiseGen) pink() float64 {
	w := g.rnd.NormFloat64()
	g.b0 = 0.99886*g.b0 + w*0.0555179
	g.b1 = 0.99332*g.b1 + w*0.0750759
	g.b2 = 0.96900*g.b2 + w*0.1538520
	g.b3 = 0.86650*g.b3 + w*0.3104856
	g.b4 = 0.55000*g.b4 + w*0.5329522
	g.b5 = -0.7616*g.b5 - w*0.0168980
	p := g.b0 + g.b1 + g.b2 + g.b3 + g.b4 + g.b5 + g.b6 + w*0.5362
	g.b6 = w * 0.115926
	return p
}

// rms returns the RMS of x in dBFS (-inf for silence).
func rmsDB(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	if len(x) == 0 || s == 0 {
		return math.Inf(-1)
	}
	return 10 * math.Log10(s/float64(len(x)))
}

// setRMS scales x so its RMS is db dBFS.
func setRMS(x []float64, db float64) {
	cur := rmsDB(x)
	if math.IsInf(cur, -1) {
		return
	}
	g := dbToAmp(db - cur)
	for i := range x {
		x[i] *= g
	}
}

// pcmFloat converts 16-bit samples to float.
func pcmFloat(s []int16) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v) / 32768
	}
	return out
}

// trimSilence cuts leading and trailing samples quieter than 1% of the peak
// (10 ms windows), so the truth's speech boundaries are the sound's.
func trimSilence(x []float64) []float64 {
	peak := 0.0
	for _, v := range x {
		peak = math.Max(peak, math.Abs(v))
	}
	if peak == 0 {
		return nil
	}
	th := peak * 0.02
	w := msToN(10)
	loud := func(i int) bool {
		var s float64
		for j := i; j < i+w && j < len(x); j++ {
			s += math.Abs(x[j])
		}
		return s/float64(w) > th
	}
	start, end := 0, len(x)
	for start < len(x) && !loud(start) {
		start += w
	}
	for end > start && !loud(max(end-w, start)) {
		end -= w
	}
	if start >= end {
		return nil
	}
	return x[start:end]
}

// activeRMS is the RMS of the 10 ms windows of x louder than 1/30 of the peak
// window (the level of the speech, not of its pauses).
func activeRMS(x []float64) float64 {
	w := msToN(10)
	var es []float64
	peak := 0.0
	for i := 0; i+w <= len(x); i += w {
		var s float64
		for _, v := range x[i : i+w] {
			s += v * v
		}
		es = append(es, s)
		peak = math.Max(peak, s)
	}
	var s float64
	n := 0
	for _, e := range es {
		if e > peak/1000 {
			s += e
			n += w
		}
	}
	if n == 0 {
		return math.Inf(-1)
	}
	return 10 * math.Log10(s/float64(n))
}

// setLevel scales speech x so its active RMS is db dBFS.
func setLevel(x []float64, db float64) {
	cur := activeRMS(x)
	if math.IsInf(cur, -1) {
		return
	}
	g := dbToAmp(db - cur)
	for i := range x {
		x[i] *= g
	}
}

// track is a timeline of samples that sounds are mixed into.
type track struct{ x []float64 }

// mix adds s at sample offset at, growing the track.
func (t *track) mix(at int, s []float64) {
	if need := at + len(s); need > len(t.x) {
		t.x = append(t.x, make([]float64, need-len(t.x))...)
	}
	for i, v := range s {
		t.x[at+i] += v
	}
}

// extend grows the track to n samples.
func (t *track) extend(n int) {
	if n > len(t.x) {
		t.x = append(t.x, make([]float64, n-len(t.x))...)
	}
}

// pcm16 converts to 16-bit with clipping.
func pcm16(x []float64) []int16 {
	out := make([]int16, len(x))
	for i, v := range x {
		v *= 32768
		switch {
		case v > 32767:
			v = 32767
		case v < -32768:
			v = -32768
		}
		out[i] = int16(math.Round(v))
	}
	return out
}

// g711 encodes samples with µ-law (pt 0) or A-law (pt 8).
func g711(pt byte, s []int16) []byte {
	out := make([]byte, len(s))
	for i, v := range s {
		if pt == 0 {
			out[i] = ulawEncode(v)
		} else {
			out[i] = alawEncode(v)
		}
	}
	return out
}
