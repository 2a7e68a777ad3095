package explain

import (
	"bytes"
	"image/png"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	t0 := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	tl := &Timeline{
		Title:      "call test",
		Start:      t0,
		End:        t0.Add(12 * time.Second),
		AudioStart: t0.Add(time.Second),
		FrameDur:   10 * time.Millisecond,
		Speech:     []Span{{Start: t0.Add(3 * time.Second), End: t0.Add(7 * time.Second)}},
		Tones:      []Span{{Start: t0.Add(8 * time.Second), End: t0.Add(8500 * time.Millisecond), Label: "beep 700Hz"}},
		Signaling:  []Mark{{At: t0, Label: "INVITE"}, {At: t0.Add(2 * time.Second), Label: "200"}, {At: t0.Add(11 * time.Second), Label: "BYE"}},
		Answer:     t0.Add(2 * time.Second),
		Decided:    t0.Add(4 * time.Second),
		BeepEnd:    t0.Add(8500 * time.Millisecond),
		Verdict:    "machine",
	}
	for i := 0; i < 1000; i++ {
		tl.Energy = append(tl.Energy, float32(-60+20*(i%7)))
	}
	var b bytes.Buffer
	if err := Render(&b, tl); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("output is not a PNG: %v", err)
	}
	if r := img.Bounds(); r.Dx() != width || r.Dy() != height {
		t.Errorf("size %v, want %dx%d", r, width, height)
	}
	// The beep lane must be drawn in the beep colour somewhere.
	found := false
	for x := 0; x < width && !found; x++ {
		for y := 0; y < height; y++ {
			if r, g, bb, _ := img.At(x, y).RGBA(); r>>8 == 200 && g>>8 == 40 && bb>>8 == 40 {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no beep drawn")
	}
	if err := Render(&b, nil); err == nil {
		t.Error("Render(nil) did not fail")
	}
}
