package sip

import (
	"bytes"
	"strings"
)

// LooksLikeSIP reports whether b starts like a SIP message: "SIP/2.0 " and a
// status code, or a known method, a space, a URI with a scheme, and a first
// line ending in " SIP/2.0". It is a cheap dispatch check for every UDP
// payload: RTP and other binary traffic fail on the first byte, and it never
// allocates. Spec: RFC 3261 §7.1 (Request-Line), §7.2 (Status-Line).
//
//	Request-Line = Method SP Request-URI SP SIP-Version CRLF
//	Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
func LooksLikeSIP(b []byte) bool {
	if len(b) < 12 {
		return false
	}
	n := 0 // method length
	switch b[0] {
	case 'S':
		if string(b[:8]) == "SIP/2.0 " {
			return isDigit(b[8]) && isDigit(b[9]) && isDigit(b[10])
		}
		n = methodLen(b, "SUBSCRIBE")
	case 'I':
		n = methodLen(b, "INVITE") | methodLen(b, "INFO")
	case 'A':
		n = methodLen(b, "ACK")
	case 'B':
		n = methodLen(b, "BYE")
	case 'C':
		n = methodLen(b, "CANCEL")
	case 'R':
		n = methodLen(b, "REGISTER") | methodLen(b, "REFER")
	case 'O':
		n = methodLen(b, "OPTIONS")
	case 'P':
		n = methodLen(b, "PRACK") | methodLen(b, "PUBLISH")
	case 'N':
		n = methodLen(b, "NOTIFY")
	case 'M':
		n = methodLen(b, "MESSAGE")
	case 'U':
		n = methodLen(b, "UPDATE")
	}
	if n == 0 {
		return false
	}
	rest := b[n+1:]
	// URI scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
	i := 0
	for i < len(rest) && i < 16 && isSchemeChar(rest[i], i) {
		i++
	}
	if i == 0 || i >= len(rest) || rest[i] != ':' {
		return false
	}
	e := bytes.IndexByte(rest, '\n')
	if e < 0 {
		return false
	}
	line := rest[:e]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return bytes.HasSuffix(line, []byte(" SIP/2.0"))
}

// methodLen returns len(m) when b starts with m followed by a space, else 0.
func methodLen(b []byte, m string) int {
	if len(b) > len(m) && b[len(m)] == ' ' && string(b[:len(m)]) == m {
		return len(m)
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSchemeChar(c byte, i int) bool {
	if c|0x20 >= 'a' && c|0x20 <= 'z' {
		return true
	}
	return i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.')
}

// Digits returns the telephone number in a URI user part: its digits, with
// '+' and the visual separators "-.() " dropped, stopping at the first ';'
// (parameters such as ";user=phone" or ";phone-context=..."). It returns ""
// when the user part holds anything else (a name such as "alice"). A user
// part that is already digits only is returned without allocating.
//
//	Digits("+7 (495) 123-45-67;user=phone") == "74951234567"
//	Digits("+15551234;phone-context=example.com") == "15551234"
func Digits(user string) string {
	if i := strings.IndexByte(user, ';'); i >= 0 {
		user = user[:i]
	}
	clean := true
	for i := 0; i < len(user); i++ {
		if !isDigit(user[i]) {
			clean = false
			break
		}
	}
	if clean {
		return user
	}
	var a [32]byte
	d := a[:0]
	for i := 0; i < len(user); i++ {
		switch c := user[i]; {
		case isDigit(c):
			d = append(d, c)
		case c == '+' || c == '-' || c == '.' || c == '(' || c == ')' || c == ' ':
		default:
			return ""
		}
	}
	return string(d)
}
