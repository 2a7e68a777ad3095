// Package g711 converts between 16-bit linear PCM and ITU-T G.711 µ-law and
// A-law, the two 64 kbit/s telephony codecs (RTP payload types 0 PCMU and
// 8 PCMA, RFC 3551 §4.5.14).
//
// Decoding is a lookup in a 256-entry table built from the segment formulas
// of ITU-T G.711 (11/88) Tables 1a/1b (A-law) and 2a/2b (µ-law). The linear
// values are those of the recommendation scaled to 16 bits: µ-law spans
// ±32124 (14-bit values ×4), A-law ±32256 (13-bit values ×8). Encoding
// follows the same tables (decision values halfway between two
// reconstruction values) and exists so tests can build streams; the
// decoders are the hot path.
//
// The Decode and Encode functions append to dst and return the extended
// slice, like strconv.AppendInt: with enough capacity they allocate nothing.
package g711

import "math/bits"

// µ-law bit layout, ITU-T G.711 §3 (all bits of the code word are inverted
// on the line):
//
//	  7   6 5 4   3 2 1 0
//	+---+-------+---------+
//	| S |  seg  |  quant  |   S=1 positive, seg 0..7, 16 steps per segment
//	+---+-------+---------+
//
// Decoded magnitude: ((quant<<3) + 0x84) << seg, minus the bias 0x84.
var ulawTable = func() (t [256]int16) {
	for i := range t {
		u := ^byte(i)
		mag := (int(u&0x0F)<<3 + 0x84) << ((u & 0x70) >> 4)
		mag -= 0x84
		if u&0x80 != 0 {
			t[i] = int16(-mag)
		} else {
			t[i] = int16(mag)
		}
	}
	return t
}()

// A-law bit layout, ITU-T G.711 §2 (even bits inverted on the line, XOR
// 0x55):
//
//	  7   6 5 4   3 2 1 0
//	+---+-------+---------+
//	| S |  seg  |  quant  |   S=1 positive, seg 0..7, 16 steps per segment
//	+---+-------+---------+
//
// Decoded magnitude (13-bit units ×8): segment 0 is (quant<<4)+8, segment n
// is ((quant<<4)+0x108) << (n-1).
var alawTable = func() (t [256]int16) {
	for i := range t {
		a := byte(i) ^ 0x55
		mag := int(a&0x0F) << 4
		switch seg := (a & 0x70) >> 4; seg {
		case 0:
			mag += 8
		default:
			mag = (mag + 0x108) << (seg - 1)
		}
		if a&0x80 != 0 {
			t[i] = int16(mag)
		} else {
			t[i] = int16(-mag)
		}
	}
	return t
}()

// ULawToLinear returns the 16-bit linear value of one µ-law code word.
func ULawToLinear(u byte) int16 { return ulawTable[u] }

// ALawToLinear returns the 16-bit linear value of one A-law code word.
func ALawToLinear(a byte) int16 { return alawTable[a] }

// DecodeULaw appends the linear samples of the µ-law bytes src to dst and
// returns the extended slice.
func DecodeULaw(dst []int16, src []byte) []int16 {
	return decode(dst, src, &ulawTable)
}

// DecodeALaw appends the linear samples of the A-law bytes src to dst and
// returns the extended slice.
func DecodeALaw(dst []int16, src []byte) []int16 {
	return decode(dst, src, &alawTable)
}

func decode(dst []int16, src []byte, t *[256]int16) []int16 {
	n := len(dst)
	if cap(dst)-n < len(src) {
		grown := make([]int16, n, n+len(src))
		copy(grown, dst)
		dst = grown
	}
	dst = dst[:n+len(src)]
	out := dst[n:]
	for i, b := range src {
		out[i] = t[b]
	}
	return dst
}

const (
	ulawBias = 0x84  // 132: the µ-law bias of G.711 Table 2, in 16-bit units
	ulawClip = 32635 // largest magnitude before the bias overflows segment 7
)

// LinearToULaw returns the µ-law code word whose decision interval holds x
// (ITU-T G.711 Table 2a/2b).
func LinearToULaw(x int16) byte {
	v := int(x)
	sign := byte(0) // inverted below: positive values get S=1 on the line
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	seg := byte(bits.Len(uint(v >> 8))) // v <= 32767: at most 7
	quant := byte(v>>(seg+3)) & 0x0F
	return ^(sign | seg<<4 | quant)
}

// LinearToALaw returns the A-law code word whose decision interval holds x
// (ITU-T G.711 Table 1a/1b).
func LinearToALaw(x int16) byte {
	v := int(x)
	sign := byte(0x80)
	if v < 0 {
		v = -v - 1 // A-law has no zero: -1..-8 map like 0..7
		sign = 0
	}
	v >>= 3 // 13-bit magnitude
	if v > 0xFFF {
		v = 0xFFF
	}
	var seg, quant byte
	if v < 32 {
		quant = byte(v>>1) & 0x0F
	} else {
		seg = byte(bits.Len(uint(v >> 5))) // v <= 0xFFF: at most 7
		quant = byte(v>>seg) & 0x0F
	}
	return (sign | seg<<4 | quant) ^ 0x55
}

// EncodeULaw appends the µ-law code words of the linear samples src to dst
// and returns the extended slice.
func EncodeULaw(dst []byte, src []int16) []byte {
	for _, x := range src {
		dst = append(dst, LinearToULaw(x))
	}
	return dst
}

// EncodeALaw appends the A-law code words of the linear samples src to dst
// and returns the extended slice.
func EncodeALaw(dst []byte, src []int16) []byte {
	for _, x := range src {
		dst = append(dst, LinearToALaw(x))
	}
	return dst
}
