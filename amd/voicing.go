package amd

import "math"

// Voicing: a voice's vowels repeat at the pitch period (2.5-12.5 ms, 80-400
// Hz); noise of any colour, babble made of noise and breath do not. The
// signal is differenced (which whitens rumble and brown noise, whose
// samples are otherwise alike over milliseconds), low-passed and halved to
// 4 kHz, and the last 20 ms are correlated with the same length 2.5-12.5 ms
// before at every pitch lag. The best normalised correlation, refined between
// lags, is the frame's voicing: about 0.7-0.95 on vowels, below 0.4 on
// noise.
const (
	vWin    = 80 // window at 4 kHz: the last 20 ms (a shorter one lets noise correlate by chance)
	vMinLag = 10 // 400 Hz
	vMaxLag = 50 // 80 Hz
	vHist   = vWin + vMaxLag
)

// voicer keeps the last 40 ms at 8 kHz; the filtered, decimated history is
// made only for the frames whose voicing is asked.
type voicer struct {
	raw [4 * frameLen]int16
	h   [vHist]float32
	lag int // the pitch lag of the last voiced frame, 0 none
}

// push adds a frame of 80 samples.
func (v *voicer) push(x []int16) {
	copy(v.raw[:], v.raw[frameLen:])
	copy(v.raw[len(v.raw)-frameLen:], x)
}

// filter makes the history: vHist samples at 4 kHz of
// x[n]+x[n-1]-x[n-2]-x[n-3] (a difference, then a [1 2 1] low-pass) ending
// with the newest frame.
func (v *voicer) filter() {
	x := v.raw[:]
	n := len(x) - 2*vHist + 1 // the newest output is x[len-1]+x[len-2]-...
	for k := range vHist {
		i := n + 2*k
		v.h[k] = float32(int32(x[i]) + int32(x[i-1]) - int32(x[i-2]) - int32(x[i-3]))
	}
}

// voicing returns the best normalised correlation of the last vWin samples
// with those vMinLag..vMaxLag before them. A voice's pitch moves slowly, so
// after a voiced frame only the lags around its period are tried first
// (a seventh of the work); the whole range when they fail.
func (v *voicer) voicing() float64 {
	v.filter()
	if v.lag > 0 {
		if r, lag := v.search(max(vMinLag, v.lag-3), min(vMaxLag, v.lag+3)); r >= voicedR {
			v.lag = lag
			return r
		}
	}
	r, lag := v.search(vMinLag, vMaxLag)
	v.lag = 0
	if r >= voicedR {
		v.lag = lag
	}
	return r
}

// search returns the best normalised correlation over lags lo..hi of the
// filtered history, refined between lags, and its lag.
func (v *voicer) search(lo, hi int) (float64, int) {
	h := v.h[:]
	w := h[vHist-vWin:]
	var e0 float32
	for _, s := range w {
		e0 += s * s
	}
	if e0 == 0 {
		return 0, 0
	}
	// The lagged window's energy, slid one sample at a time.
	var el float32
	for _, s := range h[vHist-vWin-lo : vHist-lo] {
		el += s * s
	}
	var r [vMaxLag + 2]float64
	best, bi := 0.0, 0
	for lag := lo; lag <= hi; lag++ {
		if lag > lo {
			in, out := h[vHist-vWin-lag], h[vHist-lag]
			el += in*in - out*out
		}
		u := h[vHist-vWin-lag : vHist-lag]
		u = u[:len(w)]
		var c0, c1 float32
		for i := 0; i < len(w); i += 2 {
			c0 += w[i] * u[i]
			c1 += w[i+1] * u[i+1]
		}
		c := c0 + c1
		if c <= 0 || el <= 0 {
			continue
		}
		r[lag] = float64(c) / math.Sqrt(float64(e0)*float64(el))
		if r[lag] > best {
			best, bi = r[lag], lag
		}
	}
	if bi > lo && bi < hi {
		// A parabola through the peak and its neighbours: the period
		// rarely falls on a whole lag.
		a, b, c := r[bi-1], r[bi], r[bi+1]
		if den := a - 2*b + c; den < 0 {
			best = min(1, b-(a-c)*(a-c)/(8*den))
		}
	}
	return best, bi
}
