// Package explain draws one call's timeline as a PNG: the audio energy,
// detected speech, tones and beeps, the signaling messages with their
// causes, and the verdict with the moment it was reached. Engineers tune the
// detector with it.
package explain

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Span is an interval of the call with a label, such as a speech segment or
// a tone.
type Span struct {
	Start, End time.Time
	Label      string
}

// Mark is an instant of the call with a label, such as a SIP message.
type Mark struct {
	At    time.Time
	Label string
}

// Timeline is what the picture shows. Energy holds one dBFS value per
// FrameDur of audio starting at AudioStart.
type Timeline struct {
	Title      string
	Start, End time.Time
	AudioStart time.Time
	FrameDur   time.Duration
	Energy     []float32
	Speech     []Span
	Tones      []Span
	Signaling  []Mark
	Answer     time.Time // zero when unanswered
	Decided    time.Time // zero when undecided
	BeepEnd    time.Time // zero when no beep
	Verdict    string
}

// Layout constants: a wide strip chart.
const (
	width     = 1400
	left      = 90
	right     = 30
	top       = 50
	energyH   = 220
	laneH     = 26
	sigH      = 90
	height    = top + energyH + 3*laneH + sigH + 73
	minDB     = -80
	maxDB     = 0
	labelSize = 7 // basicfont.Face7x13 advance
)

var (
	bg      = color.RGBA{255, 255, 255, 255}
	grid    = color.RGBA{225, 225, 225, 255}
	ink     = color.RGBA{30, 30, 30, 255}
	wave    = color.RGBA{40, 90, 170, 255}
	speechC = color.RGBA{90, 170, 90, 255}
	toneC   = color.RGBA{220, 130, 30, 255}
	beepC   = color.RGBA{200, 40, 40, 255}
	sigC    = color.RGBA{110, 60, 150, 255}
	answerC = color.RGBA{0, 140, 140, 255}
)

// Render writes the timeline as a PNG.
func Render(w io.Writer, t *Timeline) error {
	if t == nil {
		return errors.New("explain: no timeline")
	}
	if !t.End.After(t.Start) {
		t.End = t.Start.Add(time.Second)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), &image.Uniform{bg}, image.Point{}, draw.Src)
	span := t.End.Sub(t.Start)
	x := func(at time.Time) int {
		f := float64(at.Sub(t.Start)) / float64(span)
		return left + int(f*float64(width-left-right))
	}
	text(img, left, 20, ink, t.Title)
	verdict := "verdict: " + t.Verdict
	if !t.Decided.IsZero() {
		ref := t.Answer
		if ref.IsZero() {
			ref = t.Start
		}
		verdict += fmt.Sprintf(" at %+.2fs", t.Decided.Sub(ref).Seconds())
	}
	text(img, left, 38, ink, verdict)

	// Time grid, one line a second (or coarser for long calls).
	step := time.Second
	for span/step > 40 {
		step *= 5
	}
	for at := t.Start; !at.After(t.End); at = at.Add(step) {
		xx := x(at)
		vline(img, xx, top, height-40, grid)
		text(img, xx-8, height-25, ink, fmt.Sprintf("%.0fs", at.Sub(t.Start).Seconds()))
	}

	// Energy in dBFS.
	y := func(db float64) int {
		db = math.Max(minDB, math.Min(maxDB, db))
		return top + int((maxDB-db)/(maxDB-minDB)*float64(energyH))
	}
	for db := minDB; db <= maxDB; db += 20 {
		hline(img, left, width-right, y(float64(db)), grid)
		text(img, 10, y(float64(db))+4, ink, fmt.Sprintf("%d dBFS", db))
	}
	if t.FrameDur > 0 {
		for i, e := range t.Energy {
			at := t.AudioStart.Add(time.Duration(i) * t.FrameDur)
			if at.Before(t.Start) || at.After(t.End) {
				continue
			}
			xx := x(at)
			vline(img, xx, y(float64(e)), top+energyH, wave)
		}
	}

	// Lanes: speech, tones, beep.
	lane := top + energyH + 6
	text(img, 10, lane+16, ink, "speech")
	for _, s := range t.Speech {
		fill(img, x(s.Start), lane+4, x(s.End), lane+laneH-4, speechC)
	}
	lane += laneH
	text(img, 10, lane+16, ink, "tones")
	labelEnd := -1 << 30 // where the last tone label ends, to stagger overlapping ones
	row := 0
	for _, s := range t.Tones {
		c := toneC
		if len(s.Label) >= 4 && s.Label[:4] == "beep" {
			c = beepC
		}
		fill(img, x(s.Start), lane+4, x(s.End), lane+laneH-4, c)
		row = 0
		if x(s.Start) < labelEnd {
			row = 1
		}
		text(img, x(s.Start), lane+laneH+10+row*13, c, s.Label)
		labelEnd = max(labelEnd, x(s.Start)+len(s.Label)*labelSize+6)
	}
	lane += 2*laneH + 13

	// Signaling messages, staggered so labels do not overlap.
	text(img, 10, lane+16, ink, "signaling")
	rows := sigH / 16
	lastX := make([]int, rows)
	for i := range lastX {
		lastX[i] = -1 << 30
	}
	for _, m := range t.Signaling {
		xx := x(m.At)
		row := 0
		for row < rows-1 && lastX[row]+len(m.Label)*labelSize+8 > xx {
			row++
		}
		lastX[row] = xx
		yy := lane + 12 + row*16
		vline(img, xx, lane, yy, sigC)
		text(img, xx+3, yy+4, sigC, m.Label)
	}

	// Answer, decision and beep end across the whole chart.
	if !t.Answer.IsZero() {
		dashed(img, x(t.Answer), top, height-40, answerC)
		text(img, x(t.Answer)+3, top+12, answerC, "answer")
	}
	if !t.Decided.IsZero() {
		dashed(img, x(t.Decided), top, height-40, ink)
		text(img, x(t.Decided)+3, top+26, ink, "decided")
	}
	if !t.BeepEnd.IsZero() {
		dashed(img, x(t.BeepEnd), top, height-40, beepC)
		text(img, x(t.BeepEnd)+3, top+40, beepC, "beep end")
	}
	return png.Encode(w, img)
}

func text(img draw.Image, x, y int, c color.Color, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func vline(img *image.RGBA, x, y0, y1 int, c color.Color) {
	if y0 > y1 {
		y0, y1 = y1, y0
	}
	for y := y0; y <= y1; y++ {
		img.Set(x, y, c)
	}
}

func hline(img *image.RGBA, x0, x1, y int, c color.Color) {
	for x := x0; x <= x1; x++ {
		img.Set(x, y, c)
	}
}

func dashed(img *image.RGBA, x, y0, y1 int, c color.Color) {
	for y := y0; y <= y1; y++ {
		if (y/4)%2 == 0 {
			img.Set(x, y, c)
		}
	}
}

func fill(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	if x1 <= x0 {
		x1 = x0 + 1
	}
	draw.Draw(img, image.Rect(x0, y0, x1, y1), &image.Uniform{c}, image.Point{}, draw.Src)
}
