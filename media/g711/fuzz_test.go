package g711

import "testing"

// FuzzDecode checks that decoding any bytes and encoding the result gives
// the same code words back (µ-law negative zero aside) and that decoding
// into a reused slice equals decoding into a fresh one.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x00, 0x7f, 0x80, 0xff, 0xd5, 0x55})
	f.Add([]byte("speech"))
	reuse := make([]int16, 0, 8)
	f.Fuzz(func(t *testing.T, b []byte) {
		a := DecodeALaw(nil, b)
		reuse = DecodeALaw(reuse[:0], b)
		for i := range a {
			if a[i] != reuse[i] {
				t.Fatalf("reused decode differs at %d", i)
			}
		}
		if got := EncodeALaw(nil, a); string(got) != string(b) {
			t.Fatalf("A-law round trip: %x -> %x", b, got)
		}
		u := EncodeULaw(nil, DecodeULaw(nil, b))
		for i := range b {
			if want := b[i]; u[i] != want && !(want == 0x7f && u[i] == 0xff) {
				t.Fatalf("µ-law round trip at %d: %#02x -> %#02x", i, want, u[i])
			}
		}
	})
}
