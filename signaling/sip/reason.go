package sip

import (
	"strings"
)

// appendReasons appends every reason-value of one Reason header value.
// Spec: RFC 3326 §2, RFC 6432 §2.
//
//	Reason            =  "Reason" HCOLON reason-value *(COMMA reason-value)
//	reason-value      =  protocol *(SEMI reason-params)
//	protocol          =  "SIP" / "Q.850" / token
//	reason-params     =  protocol-cause / reason-text / reason-extension
//	protocol-cause    =  "cause" EQUAL cause
//	reason-text       =  "text" EQUAL quoted-string
//
// sipgo keeps a comma-joined Reason as one value, so the values are split
// here at commas outside quoted strings. Protocol names and parameter names
// are case-insensitive and may have white space around ";" and "=".
func appendReasons(rs []Reason, v string) []Reason {
	for len(v) > 0 {
		var one string
		one, v = cutOutsideQuotes(v, ',')
		if strings.TrimSpace(one) == "" {
			continue
		}
		rs = append(rs, parseReason(one))
	}
	return rs
}

func parseReason(v string) Reason {
	var r Reason
	proto, params := cutOutsideQuotes(v, ';')
	proto = strings.TrimSpace(proto)
	switch {
	case strings.EqualFold(proto, "Q.850"):
		r.Protocol = "Q.850"
	case strings.EqualFold(proto, "SIP"):
		r.Protocol = "SIP"
	default:
		r.Protocol = proto
	}
	for len(params) > 0 {
		var p string
		p, params = cutOutsideQuotes(params, ';')
		name, val, _ := strings.Cut(p, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		switch {
		case strings.EqualFold(name, "cause"):
			r.Cause = atoi(val)
		case strings.EqualFold(name, "text"):
			r.Text = unquote(val)
		}
	}
	return r
}

// cutOutsideQuotes cuts v at the first sep outside a quoted string
// (backslash escapes honoured inside quotes).
func cutOutsideQuotes(v string, sep byte) (before, after string) {
	return cutOutside(v, sep, false)
}

// cutOutside cuts v at the first sep outside a quoted string (backslash
// escapes honoured inside quotes) and, with angles, outside <...> too.
func cutOutside(v string, sep byte, angles bool) (before, after string) {
	quoted, escaped, angle := false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case escaped:
			escaped = false
		case quoted:
			switch c {
			case '\\':
				escaped = true
			case '"':
				quoted = false
			}
		case c == '"':
			quoted = true
		case angles && c == '<':
			angle = true
		case angles && c == '>':
			angle = false
		case c == sep && !angle:
			return v[:i], v[i+1:]
		}
	}
	return v, ""
}

// unquote strips the quotes of a quoted-string and resolves its
// quoted-pairs (RFC 3261 §25.1). A value without quotes is returned as is;
// a missing closing quote is tolerated.
func unquote(v string) string {
	if len(v) == 0 || v[0] != '"' {
		return v
	}
	v = v[1:]
	if i := strings.IndexAny(v, "\"\\"); i >= 0 && v[i] == '"' {
		return v[:i]
	}
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) {
			i++
			sb.WriteByte(v[i])
			continue
		}
		if c == '"' {
			break
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// atoi parses a non-negative decimal of at most 9 digits, 0 otherwise.
func atoi(s string) int {
	if len(s) == 0 || len(s) > 9 {
		return 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
