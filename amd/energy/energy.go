// Package energy measures 10 ms frames of 8 kHz telephone audio: their
// energy in dBFS, the exact-zero samples that packet-loss concealment leaves,
// an adaptive noise floor by minimum tracking and a speech-activity decision
// with hysteresis and hangover.
//
// Levels are RMS relative to a full-scale square wave (32768), so a
// full-scale sine reads -3.01 dBFS. All state is fixed-size: nothing here
// allocates after construction.
package energy

import "math"

// SampleRate is the only rate the package handles, in samples per second.
const SampleRate = 8000

// FrameSize is the number of samples in a 10 ms frame at SampleRate.
const FrameSize = 80

// SilenceDBFS is the level reported for a frame whose samples are all zero.
const SilenceDBFS = -120.0

// Frame is what one pass over a frame measures.
type Frame struct {
	SumSquares int64 // sum of x[n]^2
	Zeros      int   // samples exactly 0
	ZeroRun    int   // longest run of consecutive exact zeros (lost packets are filled with zeros)
	N          int   // samples measured
}

// LostRun is the shortest run of exact zeros (2 ms) taken as concealed
// packet loss: a real signal above the quantisation noise crosses zero but
// does not sit on it, while a 2000 Hz tone can hold every other sample at 0.
const LostRun = 16

// Measure sums the squares of x and counts its exact-zero samples.
func Measure(x []int16) Frame {
	var s int64
	z, run, longest := 0, 0, 0
	for _, v := range x {
		w := int32(v)
		s += int64(w * w)
		// 1 when w == 0, without a branch.
		isZero := int(((uint32(w) | uint32(-w)) >> 31) ^ 1)
		z += isZero
		run = (run + 1) & -isZero
		longest = max(longest, run)
	}
	return Frame{SumSquares: s, Zeros: z, ZeroRun: longest, N: len(x)}
}

// MeanSquare returns the mean of x[n]^2 over the frame (0 for an empty one).
func (f Frame) MeanSquare() float64 {
	if f.N == 0 {
		return 0
	}
	return float64(f.SumSquares) / float64(f.N)
}

// DBFS returns the frame level in dBFS.
func (f Frame) DBFS() float64 { return DBFS(f.MeanSquare()) }

// Lost reports whether the frame holds a run of at least LostRun exact
// zeros: the mark of a concealed packet loss (or of digital silence).
func (f Frame) Lost() bool { return f.ZeroRun >= LostRun }

// Lost reports what Measure(x).Lost() does, whether x holds a run of at
// least LostRun exact zeros, without the rest of the measuring: every such
// run covers a sample whose index is LostRun-1 modulo LostRun, so only the
// runs through those samples are followed, and a frame with none zero
// costs a few loads.
func Lost(x []int16) bool {
	for i := LostRun - 1; i < len(x); i += LostRun {
		if x[i] != 0 {
			continue
		}
		lo, hi := i, i+1
		for lo > 0 && x[lo-1] == 0 {
			lo--
		}
		for hi < len(x) && x[hi] == 0 {
			hi++
		}
		if hi-lo >= LostRun {
			return true
		}
	}
	return false
}

// DBFS converts a mean square to dBFS (SilenceDBFS for zero).
func DBFS(meanSquare float64) float64 {
	if meanSquare <= 0 {
		return SilenceDBFS
	}
	db := 10*math.Log10(meanSquare) - fullScaleDB
	if db < SilenceDBFS {
		return SilenceDBFS
	}
	return db
}

// fullScaleDB is 10*log10(32768^2).
var fullScaleDB = 20 * math.Log10(32768)

// Floor tracks the noise floor as the minimum frame level over a sliding
// window of blocks (minimum statistics): speech and tones only ever raise
// frame levels above the background, so the minimum over a window longer
// than any utterance is the background. The window is FloorBlocks blocks of
// FloorBlockFrames frames (3.2 s).
type Floor struct {
	blocks [FloorBlocks]float64
	minBlk float64 // minimum of the filled blocks
	cur    float64
	inCur  int
	filled int
	next   int
}

// FloorBlocks and FloorBlockFrames size the Floor window.
const (
	FloorBlocks      = 16
	FloorBlockFrames = 20
)

// Reset forgets every measurement.
func (f *Floor) Reset() { *f = Floor{} }

// Update adds one frame level (do not feed lost frames: their zeros would
// pull the floor down to nothing).
func (f *Floor) Update(db float64) {
	if f.inCur == 0 || db < f.cur {
		f.cur = db
	}
	f.inCur++
	if f.inCur == FloorBlockFrames {
		f.blocks[f.next] = f.cur
		f.next = (f.next + 1) % FloorBlocks
		if f.filled < FloorBlocks {
			f.filled++
		}
		f.inCur = 0
		f.minBlk = f.blocks[0]
		for i := 1; i < f.filled; i++ {
			f.minBlk = min(f.minBlk, f.blocks[i])
		}
	}
}

// Known reports whether at least one frame has been measured.
func (f *Floor) Known() bool { return f.filled > 0 || f.inCur > 0 }

// Value returns the noise floor in dBFS, or def when nothing was measured.
func (f *Floor) Value(def float64) float64 {
	if !f.Known() {
		return def
	}
	switch {
	case f.filled == 0:
		return f.cur
	case f.inCur == 0:
		return f.minBlk
	}
	return min(f.minBlk, f.cur)
}

// Activity decides speech activity per frame: a frame is active when its
// level is OnDB above the noise floor (and above MinDBFS); once active, the
// threshold drops to OffDB above the floor (hysteresis) and activity holds
// for Hangover frames after the level falls.
type Activity struct {
	OnDB, OffDB float64 // thresholds above the floor
	MinDBFS     float64 // absolute minimum level of an active frame
	Hangover    int     // frames of activity kept after the level falls

	on   bool
	hang int
}

// Reset clears the state but keeps the thresholds.
func (a *Activity) Reset() { a.on, a.hang = false, 0 }

// Update returns (raw, held): raw is whether this frame's level alone is
// active (with hysteresis); held adds the hangover.
func (a *Activity) Update(db, floor float64) (raw, held bool) {
	th := a.OnDB
	if a.on {
		th = a.OffDB
	}
	raw = db >= floor+th && db >= a.MinDBFS
	a.on = raw
	if raw {
		a.hang = a.Hangover
		return true, true
	}
	if a.hang > 0 {
		a.hang--
		return false, true
	}
	return false, false
}

// Noise estimates the background level as a low percentile of the frame
// levels of a sliding window (NoiseWindow frames, 3 s). Unlike the minimum
// (Floor), a percentile is not dragged down by the odd deep dip of a
// fluctuating background (babble, brown noise, a fade-in), and it needs no
// warm-up: from the first frame it is the percentile of what was heard, so
// noise that starts with the call is background at once. Speech occupies a
// greeting's frames for well under 90% of any 3 s (words have gaps), so the
// 10th percentile stays on the background through a long greeting.
//
// Levels are kept in 0.5 dB bins from NoiseMinDBFS to 0 dBFS; the
// percentile is maintained incrementally (a pointer into the histogram that
// moves a bin or two per frame), so Update costs a few operations.
type Noise struct {
	// Percentile is the rank (0..1) taken as the background; 0 means 0.1.
	// 0.5 gives the median.
	Percentile float64

	ring  [NoiseWindow]uint8
	hist  [noiseBins]uint16
	n     int // frames in the window
	next  int // ring position of the next frame
	k     int // the percentile's bin
	below int // frames in bins below k
}

// NoiseWindow is the length of the Noise window in frames (3 s), and
// NoiseMinDBFS the lowest level it tells apart.
const (
	NoiseWindow  = 300
	NoiseMinDBFS = -100.0
	noiseBins    = 200 // 0.5 dB bins over NoiseMinDBFS..0
)

func noiseBin(db float64) int {
	b := int((db - NoiseMinDBFS) * 2)
	return min(max(b, 0), noiseBins-1)
}

// Reset forgets every frame (keeps Percentile).
func (f *Noise) Reset() { *f = Noise{Percentile: f.Percentile} }

// Update adds one frame level (do not feed frames holding packet loss).
func (f *Noise) Update(db float64) {
	if f.n == NoiseWindow {
		old := int(f.ring[f.next])
		f.hist[old]--
		if old < f.k {
			f.below--
		}
		f.n--
	}
	b := noiseBin(db)
	f.ring[f.next] = uint8(b)
	f.next = (f.next + 1) % NoiseWindow
	f.hist[b]++
	if b < f.k {
		f.below++
	}
	f.n++
	p := f.Percentile
	if p <= 0 || p > 1 {
		p = 0.1
	}
	r := int(p * float64(f.n-1))
	for f.below > r && f.k > 0 {
		f.k--
		f.below -= int(f.hist[f.k])
	}
	for f.below+int(f.hist[f.k]) <= r && f.k < noiseBins-1 {
		f.below += int(f.hist[f.k])
		f.k++
	}
}

// Known reports whether at least one frame has been measured.
func (f *Noise) Known() bool { return f.n > 0 }

// Frames returns the number of frames in the window.
func (f *Noise) Frames() int { return f.n }

// Value returns the background level in dBFS (the centre of the
// percentile's bin), or def when nothing was measured.
func (f *Noise) Value(def float64) float64 {
	if f.n == 0 {
		return def
	}
	return NoiseMinDBFS + (float64(f.k)+0.5)/2
}
