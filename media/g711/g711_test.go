package g711

import (
	"math"
	"os"
	"testing"
)

// Known values of ITU-T G.711 (11/88): µ-law Table 2a/2b and A-law Table
// 1a/1b, in 16-bit units (µ-law 14-bit values ×4, A-law 13-bit values ×8).
// The same values come out of `sox -t ul` / `sox -t al` (checked by hand on
// all 256 code words).
var known = []struct {
	name       string
	code       byte
	ulaw, alaw int16
}{
	{"0x00", 0x00, -32124, -5504},
	{"0x2a", 0x2a, -5372, -32256},
	{"0x55", 0x55, -716, -8},
	{"0x7f", 0x7f, 0, -848},
	{"0x80", 0x80, 32124, 5504},
	{"0xaa", 0xaa, 5372, 32256},
	{"0xd5", 0xd5, 716, 8},
	{"0xfe", 0xfe, 8, 880},
	{"0xff", 0xff, 0, 848},
}

func TestKnownValues(t *testing.T) {
	for _, k := range known {
		if got := ULawToLinear(k.code); got != k.ulaw {
			t.Errorf("ULawToLinear(%#02x) = %d, want %d", k.code, got, k.ulaw)
		}
		if got := ALawToLinear(k.code); got != k.alaw {
			t.Errorf("ALawToLinear(%#02x) = %d, want %d", k.code, got, k.alaw)
		}
	}
}

// TestSoxOracle compares all 256 code words with sox when SOX_ULAW/SOX_ALAW
// name files of 256 little-endian int16 (sox -t ul all.bin -t s16 -L out).
func TestSoxOracle(t *testing.T) {
	for _, c := range []struct {
		env string
		dec func(byte) int16
	}{{"SOX_ULAW", ULawToLinear}, {"SOX_ALAW", ALawToLinear}} {
		p := os.Getenv(c.env)
		if p == "" {
			t.Skipf("%s not set", c.env)
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) != 512 {
			t.Fatalf("%s: %v (len %d)", p, err, len(b))
		}
		for i := range 256 {
			want := int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
			if got := c.dec(byte(i)); got != want {
				t.Errorf("%s: code %#02x = %d, sox says %d", c.env, i, got, want)
			}
		}
	}
}

func TestTablesSymmetricAndMonotonic(t *testing.T) {
	for i := range 128 {
		// µ-law: code i and i|0x80 are the same magnitude, opposite sign.
		if ULawToLinear(byte(i)) != -ULawToLinear(byte(i|0x80)) {
			t.Errorf("µ-law %#02x and %#02x are not symmetric", i, i|0x80)
		}
		if ALawToLinear(byte(i)) != -ALawToLinear(byte(i|0x80)) {
			t.Errorf("A-law %#02x and %#02x are not symmetric", i, i|0x80)
		}
	}
	// µ-law positive codes 0xff..0x80 increase.
	for c := 0xff; c > 0x80; c-- {
		if ULawToLinear(byte(c)) >= ULawToLinear(byte(c-1)) {
			t.Errorf("µ-law not increasing at %#02x", c)
		}
	}
	// A-law: positive values increase with the unscrambled code.
	for m := 0x80; m < 0xff; m++ {
		a, b := byte(m)^0x55, byte(m+1)^0x55
		if ALawToLinear(a) >= ALawToLinear(b) {
			t.Errorf("A-law not increasing between %#02x and %#02x", a, b)
		}
	}
}

func TestRoundTripCodes(t *testing.T) {
	for i := range 256 {
		c := byte(i)
		want := c
		if c == 0x7f { // µ-law negative zero encodes as positive zero
			want = 0xff
		}
		if got := LinearToULaw(ULawToLinear(c)); got != want {
			t.Errorf("LinearToULaw(ULawToLinear(%#02x)) = %#02x, want %#02x", c, got, want)
		}
		if got := LinearToALaw(ALawToLinear(c)); got != c {
			t.Errorf("LinearToALaw(ALawToLinear(%#02x)) = %#02x, want %#02x", c, got, c)
		}
	}
}

// TestRoundTripLinear checks that every 16-bit value encodes to the nearest
// reconstruction value's code word: the quantisation error stays within half
// a step of its segment.
func TestRoundTripLinear(t *testing.T) {
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		v := int16(x)
		for _, c := range []struct {
			name     string
			enc      func(int16) byte
			dec      func(byte) int16
			step0    int
			maxValue int
		}{
			{"µ-law", LinearToULaw, ULawToLinear, 8, 32124},
			{"A-law", LinearToALaw, ALawToLinear, 16, 32256},
		} {
			y := int(c.dec(c.enc(v)))
			mag := x
			if mag < 0 {
				mag = -mag
			}
			if mag > c.maxValue {
				continue // clipped
			}
			// The step doubles per segment; allow half the step at x's
			// magnitude (rounded up to the next power of two).
			step := c.step0
			for step*16 < mag+0x84 && step < 1024 {
				step *= 2
			}
			if d := y - x; d > step || d < -step {
				t.Fatalf("%s: %d -> %d: error %d beyond %d", c.name, x, y, d, step)
			}
		}
	}
}

func TestSliceFunctions(t *testing.T) {
	src := []byte{0x00, 0x7f, 0x80, 0xff, 0xd5, 0x55}
	dst := make([]int16, 2, 16)
	dst[0], dst[1] = 1, 2
	got := DecodeULaw(dst, src)
	want := []int16{1, 2, -32124, 0, 32124, 0, 716, -716}
	if len(got) != len(want) {
		t.Fatalf("DecodeULaw len = %d, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("DecodeULaw[%d] = %d, want %d", i, got[i], want[i])
		}
	}
	a := DecodeALaw(nil, src) // grows from nil
	for i, c := range src {
		if a[i] != ALawToLinear(c) {
			t.Errorf("DecodeALaw[%d] = %d, want %d", i, a[i], ALawToLinear(c))
		}
	}
	enc := EncodeALaw([]byte{9}, a)
	if enc[0] != 9 || len(enc) != 1+len(src) {
		t.Fatalf("EncodeALaw did not append: %x", enc)
	}
	for i, c := range src {
		if enc[1+i] != c {
			t.Errorf("EncodeALaw[%d] = %#02x, want %#02x", i, enc[1+i], c)
		}
	}
	u := EncodeULaw(nil, DecodeULaw(nil, src))
	for i, c := range src {
		if c == 0x7f {
			c = 0xff
		}
		if u[i] != c {
			t.Errorf("EncodeULaw[%d] = %#02x, want %#02x", i, u[i], c)
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	src := make([]byte, 160)
	dst := make([]int16, 0, 160)
	if n := testing.AllocsPerRun(100, func() {
		dst = DecodeALaw(dst[:0], src)
		dst = DecodeULaw(dst[:0], src)
	}); n != 0 {
		t.Errorf("DecodeALaw/DecodeULaw allocate %.1f times per call, want 0", n)
	}
}

func benchDecode(b *testing.B, dec func([]int16, []byte) []int16) {
	src := make([]byte, 160) // one 20 ms packet
	for i := range src {
		src[i] = byte(i * 7)
	}
	dst := make([]int16, 0, len(src))
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		dst = dec(dst[:0], src)
	}
}

func BenchmarkDecodeULaw(b *testing.B) { benchDecode(b, DecodeULaw) }
func BenchmarkDecodeALaw(b *testing.B) { benchDecode(b, DecodeALaw) }

func BenchmarkEncodeALaw(b *testing.B) {
	src := make([]int16, 160)
	for i := range src {
		src[i] = int16(i * 200)
	}
	dst := make([]byte, 0, len(src))
	b.ReportAllocs()
	b.SetBytes(int64(len(src)) * 2)
	for b.Loop() {
		dst = EncodeALaw(dst[:0], src)
	}
}
