package signaling

import (
	"strconv"
	"strings"
)

// digits keeps the decimal digits of s, dropping '+', separators and the
// ISUP end-of-pulsing filler.
func digits(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// normISUP normalises an ISUP called number for stitching. The comparison
// is on trailing digits, so the nature of address only matters where it
// adds digits that a SIP leg would not carry; today digits are used as
// signaled. Spec: ITU-T Q.763 §3.9, nature of address indicator.
func normISUP(d string, nai uint8) string {
	_ = nai
	return d
}

// identity is the fingerprint of an IAM used to match a SIP-I body with the
// IAM on its ISUP leg: the trailing digits of the called and calling
// numbers.
func identity(called, calling string) string {
	return tail(called, 7) + "|" + tail(calling, 7)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func itoa(i int) string { return strconv.Itoa(i) }

// identityMatch reports whether two IAM fingerprints can be the same call:
// equal called digits, and equal calling digits where both have them. An
// empty fingerprint (a leg without an IAM) matches anything.
func identityMatch(a, b string) bool {
	if a == "" || b == "" {
		return true
	}
	ac, ag, _ := strings.Cut(a, "|")
	bc, bg, _ := strings.Cut(b, "|")
	if ac != "" && bc != "" && ac != bc {
		return false
	}
	return ag == "" || bg == "" || ag == bg
}
