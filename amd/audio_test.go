package amd

// Test audio: WAV reading, text-to-speech through the Debian tools (cached
// under the temp dir, skipped when absent), the public recordings of the
// shared corpus, synthetic tones and the impairments of a phone network
// (noise, G.711, packet loss).

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/callsight/callsight/internal/testcorpus"
)

const rate = SampleRate

func ms(n float64) int { return int(n * rate / 1000) }

// parseWAV reads 16-bit mono PCM from a RIFF WAVE file.
func parseWAV(b []byte) ([]int16, int, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("not a WAVE file")
	}
	sr, bits, ch := 0, 0, 0
	for p := 12; p+8 <= len(b); {
		id, n := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		p += 8
		if n > len(b)-p {
			n = len(b) - p
		}
		switch id {
		case "fmt ":
			ch = int(binary.LittleEndian.Uint16(b[p+2:]))
			sr = int(binary.LittleEndian.Uint32(b[p+4:]))
			bits = int(binary.LittleEndian.Uint16(b[p+14:]))
		case "data":
			if bits != 16 || ch != 1 {
				return nil, 0, fmt.Errorf("want 16-bit mono, got %d-bit %d channels", bits, ch)
			}
			x := make([]int16, n/2)
			for i := range x {
				x[i] = int16(binary.LittleEndian.Uint16(b[p+2*i:]))
			}
			return x, sr, nil
		}
		p += n + n&1
	}
	return nil, 0, fmt.Errorf("no data chunk")
}

func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
}

var cacheDir = filepath.Join(os.TempDir(), "callsight-amd-audio")

// cached runs gen to produce a WAV at path (keyed by key) once, then reads
// it as 8 kHz 16-bit mono with leading and trailing silence trimmed.
func cached(t testing.TB, key string, gen func(raw string) error) []int16 {
	t.Helper()
	h := sha1.Sum([]byte(key))
	out := filepath.Join(cacheDir, hex.EncodeToString(h[:8])+".wav")
	if _, err := os.Stat(out); err != nil {
		need(t, "sox")
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			t.Fatal(err)
		}
		raw := out + ".raw.wav"
		if err := gen(raw); err != nil {
			t.Skipf("generating %q: %v", key, err)
		}
		tmp := out + ".tmp.wav"
		cmd := exec.Command("sox", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tmp,
			"silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sox %s: %v: %s", raw, err, b)
		}
		os.Remove(raw)
		if err := os.Rename(tmp, out); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	x, sr, err := parseWAV(b)
	if err != nil || sr != rate {
		t.Fatalf("reading %s: rate %d, %v", out, sr, err)
	}
	return x
}

type voice struct{ engine, name string }

var voices = []voice{
	{"espeak-ng", "en-us"}, {"espeak-ng", "en-gb"}, {"espeak-ng", "en-us+f3"}, {"espeak-ng", "en-gb-scotland"},
	{"espeak-ng", "en-us+m3"}, {"flite", "slt"}, {"flite", "kal"}, {"flite", "awb"}, {"flite", "rms"},
}

// tts speaks text with a voice at a speed (words per minute, espeak only).
func tts(t testing.TB, v voice, speed int, text string) []int16 {
	t.Helper()
	need(t, v.engine)
	return cached(t, fmt.Sprintf("%s|%s|%d|%s", v.engine, v.name, speed, text), func(raw string) error {
		var cmd *exec.Cmd
		switch v.engine {
		case "espeak-ng":
			cmd = exec.Command("espeak-ng", "-v", v.name, "-s", fmt.Sprint(speed), "-w", raw, text)
		case "flite":
			cmd = exec.Command("flite", "-voice", v.name, "-t", text, "-o", raw)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%v: %s", err, stderr.String())
		}
		return nil
	})
}

// recording reads a corpus file (GSM or WAV) as 8 kHz PCM.
func recording(t testing.TB, rel string) []int16 {
	t.Helper()
	p := testcorpus.File(t, rel)
	return cached(t, "corpus|"+rel, func(raw string) error {
		args := []string{p, "-b", "16", raw}
		if filepath.Ext(p) == ".gsm" {
			args = append([]string{"-t", "gsm", "-r", "8000", "-c", "1"}, args...)
		}
		if b, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %s", err, b)
		}
		return nil
	})
}

// signal is audio under construction, in floating point.
type signal []float64

func (s signal) add(x []float64) signal { return append(s, x...) }

func silence(n int) []float64 { return make([]float64, n) }

// amp returns the peak amplitude of a sine at dBFS (RMS re full-scale square).
func amp(db float64) float64 { return math.Sqrt2 * 32768 * math.Pow(10, db/20) }

func tones(n int, db float64, freqs ...float64) []float64 {
	x := make([]float64, n)
	a := amp(db) / float64(len(freqs))
	for i := range x {
		for j, f := range freqs {
			x[i] += a * math.Sin(2*math.Pi*f*float64(i)/rate+float64(j))
		}
	}
	// 5 ms ramps, as real tone generators do.
	for i := 0; i < ms(5) && i < n/2; i++ {
		g := float64(i) / float64(ms(5))
		x[i] *= g
		x[n-1-i] *= g
	}
	return x
}

// ced is the 2100 Hz answer tone, with phase reversals every 450 ms when rev.
func ced(n int, db float64, rev bool) []float64 {
	x := make([]float64, n)
	a := amp(db)
	for i := range x {
		ph := 2 * math.Pi * 2100 * float64(i) / rate
		if rev && (i/ms(450))%2 == 1 {
			ph += math.Pi
		}
		x[i] = a * math.Sin(ph)
	}
	return x
}

// v21Flags is V.21 channel 2 FSK (mark 1650, space 1850 Hz, 300 bit/s)
// carrying HDLC flags 0x7E.
func v21Flags(n int, db float64) []float64 {
	x := make([]float64, n)
	a := amp(db)
	ph := 0.0
	for i := range x {
		bit := (0x7E >> ((i * 300 / rate) % 8)) & 1
		f := 1850.0
		if bit == 1 {
			f = 1650
		}
		ph += 2 * math.Pi * f / rate
		x[i] = a * math.Sin(ph)
	}
	return x
}

// cadence repeats on/off periods of a tone for total samples.
func cadence(total int, db float64, on, off []int, freqs ...float64) []float64 {
	var x []float64
	for i := 0; len(x) < total; i++ {
		x = append(x, tones(on[i%len(on)], db, freqs...)...)
		x = append(x, silence(off[i%len(off)])...)
	}
	return x[:total]
}

// speechAt scales recorded or synthetic speech to an active level in dBFS
// (RMS over the frames within 25 dB of the loudest).
func speechAt(x []int16, db float64) []float64 {
	var frames []float64
	maxE := 0.0
	for i := 0; i+80 <= len(x); i += 80 {
		e := 0.0
		for _, v := range x[i : i+80] {
			e += float64(v) * float64(v)
		}
		e /= 80
		frames = append(frames, e)
		maxE = max(maxE, e)
	}
	sum, n := 0.0, 0
	for _, e := range frames {
		if e >= maxE*math.Pow(10, -2.5) {
			sum += e
			n++
		}
	}
	g := 0.0
	if n > 0 {
		g = 32768 * math.Pow(10, db/20) / math.Sqrt(sum/float64(n))
	}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v) * g
	}
	return y
}

// impair adds noise (white or pink, at noiseDB dBFS; none when noiseDB < -100),
// quantises to 16 bits, applies a G.711 round trip (codec "ulaw", "alaw" or
// "") and replaces 20 ms packets by zeros with probability loss.
func impair(s signal, rng *rand.Rand, noiseDB float64, pink bool, codec string, loss float64) []int16 {
	out := make([]int16, len(s))
	na := 32768 * math.Pow(10, noiseDB/20)
	var b0, b1, b2, hp, prev float64
	for i, v := range s {
		if noiseDB > -100 {
			w := rng.NormFloat64()
			if pink { // Kellet's economy pink filter, ~unit RMS after scaling
				b0 = 0.99765*b0 + w*0.0990460
				b1 = 0.96300*b1 + w*0.2965164
				b2 = 0.57000*b2 + w*1.0526913
				w = (b0 + b1 + b2 + w*0.1848) / 3.3
				// A telephone channel passes nothing below ~200 Hz.
				hp = 0.85*hp + w - prev
				prev = w
				w = hp * 1.6
			}
			v += na * w
		}
		v = math.Round(max(-32768, min(32767, v)))
		q := int16(v)
		switch codec {
		case "ulaw":
			q = ulawDecode(ulawEncode(q))
		case "alaw":
			q = alawDecode(alawEncode(q))
		}
		out[i] = q
	}
	if loss > 0 {
		for p := 0; p+160 <= len(out); p += 160 {
			if rng.Float64() < loss {
				clear(out[p : p+160])
			}
		}
	}
	return out
}

// G.711 (ITU-T G.711), the classic segment encoders.
func ulawEncode(x int16) uint8 {
	const bias, clip = 0x84, 32635
	v := int(x)
	sign := 0
	if v < 0 {
		v, sign = -v, 0x80
	}
	v = min(v, clip) + bias
	exp := 7
	for m := 0x4000; v&m == 0 && exp > 0; m >>= 1 {
		exp--
	}
	mant := (v >> (exp + 3)) & 0x0F
	return ^uint8(sign | exp<<4 | mant)
}

func ulawDecode(u uint8) int16 {
	u = ^u
	t := (int(u&0x0F)<<3 + 0x84) << ((u & 0x70) >> 4)
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

func alawEncode(x int16) uint8 {
	v := int(x) >> 3
	mask := 0xD5
	if v < 0 {
		v, mask = -v-1, 0x55
	}
	seg := 0
	for lim := 0x1F; v > lim && seg < 8; lim = lim<<1 | 1 {
		seg++
	}
	var a int
	if seg >= 8 {
		a = 0x7F
	} else {
		a = seg << 4
		if seg < 2 {
			a |= (v >> 1) & 0x0F
		} else {
			a |= (v >> seg) & 0x0F
		}
	}
	return uint8(a ^ mask)
}

func alawDecode(a uint8) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	seg := int(a&0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

func TestG711RoundTrip(t *testing.T) {
	for _, x := range []int16{0, 1, -1, 100, -100, 1000, -1000, 8000, -8000, 32767, -32768} {
		for _, c := range []struct {
			name string
			f    func(int16) int16
		}{{"ulaw", func(v int16) int16 { return ulawDecode(ulawEncode(v)) }}, {"alaw", func(v int16) int16 { return alawDecode(alawEncode(v)) }}} {
			y := c.f(x)
			if d := math.Abs(float64(y) - float64(x)); d > math.Max(40, math.Abs(float64(x))/12) {
				t.Errorf("%s round trip of %d = %d", c.name, x, y)
			}
		}
	}
}
