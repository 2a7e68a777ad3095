package amd

import (
	"math"

	"github.com/callsight/callsight/amd/tone"
)

// Voicing: a voice's vowels repeat at the pitch period (2-12.5 ms, 80-500
// Hz; a vowel over noise may correlate best at a short period that rings
// in it rather than at its pitch); noise of any colour, babble made of
// noise and breath do not. The signal is differenced (which whitens
// rumble and brown noise, whose samples are otherwise alike over
// milliseconds; over a white background it is not, see whiteMaxRho),
// low-passed and halved to 4 kHz, and the last 20 ms are correlated with
// the same length 2-12.5 ms before at every pitch lag. The best normalised correlation, refined between lags,
// is the frame's voicing: about 0.7-0.95 on vowels, below 0.4 on noise.
const (
	vWin    = 80 // window at 4 kHz: the last 20 ms (a shorter one lets noise correlate by chance)
	vMinLag = 8  // 500 Hz
	vMaxLag = 50 // 80 Hz
	vHist   = vWin + vMaxLag
)

// voicer keeps the last 40 ms at 8 kHz; the filtered, decimated history is
// made only for the frames whose voicing is asked.
type voicer struct {
	raw [4 * frameLen]int16
	h   [vHist]float32
	lag int // the pitch lag of the last voiced frame, 0 none
	// white: the line's noise is white (its samples uncorrelated), so the
	// history is low-passed without the difference, which would tilt it
	// towards the noise (see filter).
	white bool
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
	if v.white {
		var sum float32
		for k := range vHist {
			i := n + 2*k
			v.h[k] = float32(int32(x[i]) + 2*int32(x[i-1]) + int32(x[i-2]))
			sum += v.h[k]
		}
		mean := sum / vHist
		for k := range v.h {
			v.h[k] -= mean
		}
		return
	}
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

// A white background (line hiss, comfort noise) has uncorrelated samples;
// coloured noise, rumble and babble have their lag-1 correlation near 1.
// Differencing whitens the latter, but it tilts white noise towards 2-3
// kHz, over a vowel's pitch and first formant: at 13-18 dB SNR a short
// "Да?" measured 0.3-0.6 (two voiced frames in a row are needed), and
// white noise alone was voiced in 4% of its frames. Over a white
// background the voicer low-passes without the difference: the same vowel
// measures 0.6-0.9 and the noise 0.4% of frames. The background's
// correlation is followed over whiteFrames and more of its frames from the
// answer.
const (
	whiteMaxRho = 0.3
	whiteFrames = 20
	// whiteFrameRho: a frame whose own lag-1 correlation is this high or
	// more is measured differenced even over a white background: brown
	// noise and rumble (0.92-1.00) or babble (0.72-0.92) rising over the
	// hiss, not a vowel in it (0.51-0.82 at 13-18 dB SNR).
	whiteFrameRho = 0.8
)

// noteWhiteness follows the lag-1 correlation of a background frame and
// whether the background is white (whiteBG); frame picks the voicer's
// filter from that and the frame's own correlation (whiteFrameRho).
func (d *Detector) noteWhiteness(l tone.Lags) {
	if l.R0 <= 0 {
		return
	}
	r := float64(l.R1) / float64(l.R0)
	if d.whiteN == 0 {
		d.whiteRho = r
	} else {
		d.whiteRho += (r - d.whiteRho) / 16
	}
	d.whiteN++
	d.whiteBG = d.whiteN >= whiteFrames && d.whiteRho < whiteMaxRho
}
