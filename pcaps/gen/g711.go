package gen

// G.711 companding, written here from the specification so the generator
// stays independent of callsight's media/g711 package.
// Spec: ITU-T G.711 (11/88), Tables 1a/1b (A-law) and 2a/2b (µ-law).
//
//	µ-law byte (inverted on the wire):   A-law byte (even bits inverted, XOR 0x55):
//	+---+-------+---------+              +---+-------+---------+
//	| S |  EEE  |  MMMM   |              | S |  EEE  |  MMMM   |
//	+---+-------+---------+              +---+-------+---------+
//	 sign segment mantissa                sign segment mantissa

// ulawEncode compresses one 16-bit linear sample to µ-law.
func ulawEncode(s int16) byte {
	const bias, clip = 0x84, 32635
	x := int(s)
	sign := 0
	if x < 0 {
		x = -x
		sign = 0x80
	}
	if x > clip {
		x = clip
	}
	x += bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

// ulawDecode expands one µ-law byte to a 16-bit linear sample.
func ulawDecode(u byte) int16 {
	u = ^u
	exp := int(u>>4) & 7
	mant := int(u & 0x0f)
	x := ((mant << 3) + 0x84) << exp
	x -= 0x84
	if u&0x80 != 0 {
		return int16(-x)
	}
	return int16(x)
}

// alawEncode compresses one 16-bit linear sample to A-law.
func alawEncode(s int16) byte {
	x := int(s) >> 3 // A-law works on 13 bits
	sign := 0x80
	if x < 0 {
		x = -x - 1
		sign = 0
	}
	if x > 0xfff {
		x = 0xfff
	}
	var b int
	if x < 32 {
		b = x >> 1
	} else {
		exp := 1
		for v := x >> 5; v > 1; v >>= 1 {
			exp++
		}
		b = exp<<4 | (x>>exp)&0x0f
	}
	return byte(sign|b) ^ 0x55
}

// alawDecode expands one A-law byte to a 16-bit linear sample.
func alawDecode(a byte) int16 {
	a ^= 0x55
	exp := int(a>>4) & 7
	mant := int(a & 0x0f)
	var x int
	if exp == 0 {
		x = mant<<4 + 8
	} else {
		x = (mant<<4 + 0x108) << (exp - 1)
	}
	if a&0x80 == 0 {
		return int16(-x)
	}
	return int16(x)
}
