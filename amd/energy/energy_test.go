package energy

import (
	"math"
	"testing"
)

func sine(n int, amp, freq float64) []int16 {
	x := make([]int16, n)
	for i := range x {
		x[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/SampleRate))
	}
	return x
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		name  string
		x     []int16
		db    float64
		zeros int
		lost  bool
	}{
		{"full-scale sine", sine(FrameSize, 32767, 1000), -3.01, 20, false},
		{"-20 dB sine", sine(FrameSize, 3276.7, 1000), -23.01, 20, false},
		{"2000 Hz", sine(FrameSize, 3276.7, 2000), -23.01, 40, false},
		{"half lost", append(sine(FrameSize/2, 3276.7, 700), make([]int16, FrameSize/2)...), -26.0, 41, true},
		{"zeros", make([]int16, FrameSize), SilenceDBFS, FrameSize, true},
	}
	for _, tt := range tests {
		f := Measure(tt.x)
		if math.Abs(f.DBFS()-tt.db) > 0.1 || f.Zeros != tt.zeros || f.Lost() != tt.lost {
			t.Errorf("%s: Measure = %.2f dBFS, %d zeros, lost %v; want %.2f, %d, %v", tt.name, f.DBFS(), f.Zeros, f.Lost(), tt.db, tt.zeros, tt.lost)
		}
	}
}

func TestFloorTracksMinimum(t *testing.T) {
	var f Floor
	if got := f.Value(-70); got != -70 {
		t.Fatalf("empty Floor.Value = %v, want the default", got)
	}
	for i := 0; i < 400; i++ {
		db := -50.0
		if i%50 < 30 { // speech bursts 20 dB above the noise
			db = -30
		}
		f.Update(db)
	}
	if got := f.Value(0); got != -50 {
		t.Errorf("Floor.Value = %v, want -50", got)
	}
	for i := 0; i < FloorBlocks*FloorBlockFrames+FloorBlockFrames; i++ {
		f.Update(-40) // the noise rises: the floor follows within the window
	}
	if got := f.Value(0); got != -40 {
		t.Errorf("Floor.Value after the noise rose = %v, want -40", got)
	}
}

func TestActivityHysteresisHangover(t *testing.T) {
	a := Activity{OnDB: 9, OffDB: 6, MinDBFS: -55, Hangover: 2}
	levels := []float64{-50, -40, -43, -45, -50, -50, -50, -38}
	wantRaw := []bool{false, true, true, false, false, false, false, true}
	wantHeld := []bool{false, true, true, true, true, false, false, true}
	for i, db := range levels {
		raw, held := a.Update(db, -50)
		if raw != wantRaw[i] || held != wantHeld[i] {
			t.Errorf("frame %d (%v dBFS): Update = %v,%v; want %v,%v", i, db, raw, held, wantRaw[i], wantHeld[i])
		}
	}
}

// TestLostMatchesMeasure checks the sampled run search against Measure on
// every placement of zero runs of lengths around LostRun.
func TestLostMatchesMeasure(t *testing.T) {
	for n := range 100 {
		for start := range n {
			for run := 1; start+run <= n && run <= 2*LostRun+1; run++ {
				for _, other := range []int{-1, start - 3, start + run + 2} {
					x := make([]int16, n)
					for i := range x {
						x[i] = int16(1 + i%5)
					}
					for i := start; i < start+run; i++ {
						x[i] = 0
					}
					if other >= 0 && other < n {
						x[other] = 0 // a stray zero near the run
					}
					if got, want := Lost(x), Measure(x).Lost(); got != want {
						t.Fatalf("Lost(%d samples, zeros %d..%d, stray %d) = %v, want %v", n, start, start+run, other, got, want)
					}
				}
			}
		}
	}
	if Lost(nil) || !Lost(make([]int16, FrameSize)) {
		t.Error("Lost(nil) or Lost(a silent frame) wrong")
	}
}

func BenchmarkMeasure(b *testing.B) {
	x := sine(FrameSize, 5000, 440)
	b.ReportAllocs()
	b.SetBytes(2 * FrameSize)
	for b.Loop() {
		_ = Measure(x)
	}
}

func TestNoisePercentile(t *testing.T) {
	tests := []struct {
		name   string
		levels func(i int) float64
		frames int
		want   float64
	}{
		// A background swinging between -50 and -40 with one deep dip:
		// the 10th percentile stays near the background, not the dip.
		{"swinging with a dip", func(i int) float64 {
			if i == 100 {
				return -90
			}
			return -50 + float64(i%11)
		}, 200, -50},
		// Speech 20 dB up for 80% of the window: the pauses are the background.
		{"greeting with pauses", func(i int) float64 {
			if i%10 < 8 {
				return -30
			}
			return -50
		}, 600, -50},
		// Noise from the first frame: known at once.
		{"first frames", func(int) float64 { return -42 }, 3, -42},
	}
	for _, tt := range tests {
		var n Noise
		for i := range tt.frames {
			n.Update(tt.levels(i))
		}
		if got := n.Value(0); math.Abs(got-tt.want) > 0.6 {
			t.Errorf("%s: Noise.Value = %.2f, want %.2f", tt.name, got, tt.want)
		}
	}
	// The median, and Reset keeps the percentile.
	m := Noise{Percentile: 0.5}
	for i := range 101 {
		m.Update(-60 + float64(i%21))
	}
	if got := m.Value(0); math.Abs(got-(-50)) > 1 {
		t.Errorf("median = %.2f, want -50", got)
	}
	m.Reset()
	if m.Known() || m.Percentile != 0.5 || m.Value(-7) != -7 {
		t.Errorf("after Reset: known %v, percentile %v, value %v", m.Known(), m.Percentile, m.Value(-7))
	}
}
