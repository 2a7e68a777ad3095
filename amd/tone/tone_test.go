package tone

import (
	"math"
	"math/rand/v2"
	"testing"
)

func tones(n int, amp float64, freqs ...float64) []int16 {
	x := make([]int16, n)
	for i := range x {
		v := 0.0
		for _, f := range freqs {
			v += amp * math.Sin(2*math.Pi*f*float64(i)/Rate+0.3)
		}
		x[i] = int16(v)
	}
	return x
}

func meanSquare(x []int16) float64 {
	s := 0.0
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s / float64(len(x))
}

func TestPisarenkoAndGoertzel(t *testing.T) {
	for _, f := range []float64{300, 425, 700, 1000, 1400, 2100, 2500} {
		x := tones(80, 8000, f)
		e, ok := Pisarenko(Correlate(x), Rate)
		if !ok || math.Abs(e.Freq-f) > 0.5 || e.Fraction < 0.97 {
			t.Errorf("Pisarenko(%v Hz tone) = %+v, %v; want %v Hz, fraction ~1", f, e, ok, f)
		}
		if p := NewGoertzel(f, Rate).Power(x) / meanSquare(x); p < 0.93 || p > 1.07 {
			t.Errorf("Goertzel(%v Hz) share of a %v Hz tone = %.3f, want ~1", f, f, p)
		}
	}
	// A DTMF pair is not one tone: the Goertzel share at the estimate is low.
	x := tones(80, 6000, 770, 1336)
	if e, ok := Pisarenko(Correlate(x), Rate); ok {
		if p := NewGoertzel(e.Freq, Rate).Power(x) / meanSquare(x); p > 0.6 {
			t.Errorf("DTMF 770+1336: Goertzel share at the estimate %.0f Hz = %.2f, want < 0.6", e.Freq, p)
		}
	}
}

func TestPower4(t *testing.T) {
	x := tones(80, 5000, 697, 1336)
	g := [4]Goertzel{NewGoertzel(697, Rate), NewGoertzel(1336, Rate), NewGoertzel(1000, Rate), NewGoertzel(3000, Rate)}
	p := Power4(x, &g)
	for i := range g {
		if want := g[i].Power(x); math.Abs(p[i]-want) > 1e-6*math.Max(1, want) {
			t.Errorf("Power4[%d] = %v, want %v", i, p[i], want)
		}
	}
}

// TestPower8Exact checks that Power8 gives, to the last bit, what Power4
// gives for each half of its bank, on random frames of any length.
func TestPower8Exact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 5000 {
		n := 80
		if trial%3 == 0 {
			n = rng.IntN(90)
		}
		x := make([]int16, n)
		for i := range x {
			x[i] = int16(rng.Uint32())
			if trial%2 == 0 {
				x[i] = int16(3000 * math.Sin(float64(i)*0.9+float64(trial)))
			}
		}
		var g [8]Goertzel
		for i := range g {
			g[i] = NewGoertzel(200+rng.Float64()*3600, Rate)
		}
		lo, hi := [4]Goertzel(g[:4]), [4]Goertzel(g[4:])
		pl, ph := Power4(x, &lo), Power4(x, &hi)
		want := [8]float64(append(pl[:], ph[:]...))
		if got := Power8(x, &g); got != want {
			t.Fatalf("Power8 on %d samples = %v, want %v", n, got, want)
		}
	}
}

func TestDTMF(t *testing.T) {
	for i, l := range dtmfLow {
		for j, h := range dtmfHigh {
			x := tones(80, 5000, l, h)
			key, _, _, ok := DTMF(x, meanSquare(x))
			if !ok || key != dtmfKeys[i][j] {
				t.Errorf("DTMF(%v+%v) = %q, %v; want %q", l, h, key, ok, dtmfKeys[i][j])
			}
		}
	}
	for _, f := range [][]float64{{1000}, {440, 480}, {425}} {
		x := tones(80, 5000, f...)
		if key, _, _, ok := DTMF(x, meanSquare(x)); ok {
			t.Errorf("DTMF(%v) = %q, want no key", f, key)
		}
	}
}

func TestSITBand(t *testing.T) {
	for f, want := range map[float64]int{913.8: 1, 985.2: 1, 1370.6: 2, 1428.5: 2, 1776.7: 3, 700: 0, 1100: 0, 2100: 0} {
		if got := SITBand(f); got != want {
			t.Errorf("SITBand(%v) = %d, want %d", f, got, want)
		}
	}
}

func TestTracker(t *testing.T) {
	tr := Tracker{FreqTol: 0.02, MinTol: 10, LevelTol: 3, MaxMiss: 1, MaxLostMiss: 3}
	var got []Segment
	push := func(i int, tonal bool, f float64, lost bool, partial float64) {
		if s, ok := tr.Push(Frame{Start: int64(i * 80), End: int64(i*80 + 80), Tonal: tonal, Freq: f, Level: -20, Lost: lost, Partial: partial}); ok {
			got = append(got, s)
		}
	}
	i := 0
	for ; i < 10; i++ { // 100 ms at 1000 Hz
		push(i, true, 1000, false, 0)
	}
	push(i, false, 0, true, 0) // 20 ms of loss inside the beep
	i++
	push(i, false, 0, true, 0)
	i++
	for ; i < 20; i++ {
		push(i, true, 1002, false, 0)
	}
	for ; i < 25; i++ { // a frequency jump starts a new tone
		push(i, true, 1400, false, 0)
	}
	push(i, false, 0, false, 0.5) // half a frame of tail
	i++
	push(i, false, 0, false, 0)
	if len(got) != 2 {
		t.Fatalf("Tracker found %d tones (%+v), want 2", len(got), got)
	}
	if got[0].Start != 0 || got[0].End != 1600 || math.Abs(got[0].Freq-1001) > 1 {
		t.Errorf("first tone = %+v, want 0..1600 at ~1001 Hz", got[0])
	}
	if got[1].Start != 1600 || got[1].End != 2040 {
		t.Errorf("second tone = %+v, want 1600..2040", got[1])
	}
}

// correlateRef is the definition of Lags, one window per sample.
func correlateRef(x []int16) (Lags, int64) {
	var sum int64
	for _, v := range x {
		sum += int64(v) * int64(v)
	}
	if len(x) < 7 {
		return Lags{}, sum
	}
	var r0, r1, r2, r3 int64
	for n := 3; n+3 < len(x); n++ {
		d := int32(x[n])
		r0 += int64(d * d)
		r1 += int64(d*int32(x[n-1])) + int64(d*int32(x[n+1]))
		r2 += int64(d*int32(x[n-2])) + int64(d*int32(x[n+2]))
		r3 += int64(d*int32(x[n-3])) + int64(d*int32(x[n+3]))
	}
	return Lags{R0: r0, R1: r1 / 2, R2: r2 / 2, R3: r3 / 2}, sum
}

// TestCorrelateExact checks the one-product-per-lag sums against the
// definition on random, extreme and odd-length frames: they must agree to
// the last bit (the detector's results depend on it).
func TestCorrelateExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20000 {
		n := 80
		if trial%4 == 0 {
			n = rng.IntN(100)
		}
		x := make([]int16, n)
		for i := range x {
			switch trial % 5 {
			case 0: // full scale, both signs: the largest products
				x[i] = [2]int16{-32768, 32767}[rng.IntN(2)]
			case 1:
				x[i] = int16(rng.IntN(7) - 3)
			default:
				x[i] = int16(rng.Uint32())
			}
		}
		want, wantSum := correlateRef(x)
		got, sum := CorrelateSum(x)
		if got != want || sum != wantSum || Correlate(x) != want {
			t.Fatalf("CorrelateSum(%v) = %+v, %d; want %+v, %d", x, got, sum, want, wantSum)
		}
	}
}

func BenchmarkCorrelate(b *testing.B) {
	x := tones(80, 5000, 300, 1000)
	b.SetBytes(160)
	for b.Loop() {
		_, _ = CorrelateSum(x)
	}
}

func BenchmarkFrame(b *testing.B) {
	x := tones(80, 5000, 1000)
	b.ReportAllocs()
	b.SetBytes(160)
	for b.Loop() {
		e, _ := Pisarenko(Correlate(x), Rate)
		_ = NewGoertzel(e.Freq, Rate).Power(x)
	}
}

// Summed lags are the lags of x[n]+x[n-1], computed from x's own lags.
func TestSummedMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	x := make([]int16, 80)
	for i := range x {
		x[i] = int16(rng.IntN(20000) - 10000)
	}
	y := make([]int16, len(x)-1)
	for i := 1; i < len(x); i++ {
		y[i-1] = x[i]/2 + x[i-1]/2
	}
	got, want := Correlate(x).Summed(), Correlate(y)
	// y is halved to stay in int16: its lags are a quarter of the sum's.
	// The frame's edges make the two differ by a few per cent of R0.
	for i, p := range [][2]int64{{got.R0, want.R0}, {got.R1, want.R1}, {got.R2, want.R2}} {
		if d := float64(p[0])/4 - float64(p[1]); math.Abs(d) > 0.05*float64(want.R0) {
			t.Errorf("R%d: summed %d (/4 = %.0f), direct %d", i, p[0], float64(p[0])/4, p[1])
		}
	}
}

// PowerHalves is the mean of Power over the two halves, and a tone's
// power in either estimate is its mean square.
func TestPowerHalves(t *testing.T) {
	x := tones(80, 5000, 1100)
	g := NewGoertzel(1100, Rate)
	want := (g.Power(x[:40]) + g.Power(x[40:])) / 2
	if got := g.PowerHalves(x); math.Abs(got-want) > 1e-9*want {
		t.Errorf("PowerHalves = %v, want the mean of the halves %v", got, want)
	}
	ms := 0.0
	for _, v := range x {
		ms += float64(v) * float64(v)
	}
	ms /= float64(len(x))
	if share := g.PowerHalves(x) / ms; share < 0.9 || share > 1.1 {
		t.Errorf("a pure 1100 Hz tone holds %.2f of its power at 1100 Hz, want ~1", share)
	}
	if got := g.PowerHalves(x[:1]); got != 0 {
		t.Errorf("PowerHalves of one sample = %v, want 0", got)
	}
}
