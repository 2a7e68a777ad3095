package isup

// MaxDigits is how many address signals a Digits value holds. E.164 numbers
// have at most 15; longer ones are cut and marked (Digits.Overflow).
const MaxDigits = 32

// Digits holds the address signals of a number in a fixed array so that
// decoding never allocates. Signals 0-9 are '0'-'9', code 11 is '*', code
// 12 is '#', the spare codes 10, 13 and 14 are 'A', 'D' and 'E'.
type Digits struct {
	buf      [MaxDigits]byte
	n        uint8
	overflow bool
}

// digitChars maps a 4-bit address signal to its character (Q.763 §3.9 b);
// 0xF (ST, end of pulsing) never reaches it.
const digitChars = "0123456789A*#DEF"

// MakeDigits returns s as Digits (for tests and callers building values);
// characters beyond MaxDigits are dropped and mark the overflow.
func MakeDigits(s string) Digits {
	var d Digits
	for i := 0; i < len(s); i++ {
		d.add(s[i])
	}
	return d
}

func (d *Digits) add(c byte) {
	if int(d.n) == MaxDigits {
		d.overflow = true
		return
	}
	d.buf[d.n] = c
	d.n++
}

// String returns the digits as a string (this allocates; use AppendTo or
// Bytes on a hot path).
func (d Digits) String() string { return string(d.buf[:d.n]) }

// Len returns the number of digits held.
func (d Digits) Len() int { return int(d.n) }

// Bytes returns the digits; the slice aliases d.
func (d *Digits) Bytes() []byte { return d.buf[:d.n] }

// AppendTo appends the digits to dst.
func (d Digits) AppendTo(dst []byte) []byte { return append(dst, d.buf[:d.n]...) }

// Overflow reports whether the number had more than MaxDigits signals.
func (d Digits) Overflow() bool { return d.overflow }

// Equal reports whether d and o hold the same digits.
func (d Digits) Equal(o Digits) bool {
	return d.n == o.n && d.overflow == o.overflow && string(d.buf[:d.n]) == string(o.buf[:o.n])
}

// Number is a decoded ISUP number parameter: called, calling, redirecting,
// original called, redirection, connected, location, generic or subsequent
// number. Fields a given parameter does not carry stay zero.
type Number struct {
	// NAI is the nature of address indicator (1 subscriber, 2 unknown,
	// 3 national significant, 4 international, ...).
	NAI uint8
	// Odd is the odd/even indicator: an odd number of address signals.
	Odd bool
	// INN is the internal network number indicator of called, redirection
	// and location numbers: true means "routing to internal network number
	// not allowed".
	INN bool
	// NI is the number incomplete indicator of calling and generic numbers.
	NI bool
	// NumberingPlan is the numbering plan indicator (1 = E.164).
	NumberingPlan uint8
	// Presentation is the address presentation restricted indicator
	// (0 allowed, 1 restricted, 2 address not available, 3 reserved).
	Presentation uint8
	// Screening is the screening indicator (1 user provided verified and
	// passed, 3 network provided).
	Screening uint8
	// ST reports that the digits ended with ST (end of pulsing, code 15);
	// ST itself is not in Digits.
	ST bool
	// Digits holds the address signals.
	Digits Digits
}

// String returns the digits of the number.
func (n Number) String() string { return n.Digits.String() }

// numberKind says how octet 2 of a number parameter is laid out.
type numberKind uint8

const (
	kindCalled     numberKind = iota // INN, NPI, spare (called, redirection number)
	kindCalling                      // NI, NPI, APRI, SI (calling, generic)
	kindRedirect                     // spare, NPI, APRI, spare (redirecting, original called)
	kindConnected                    // spare, NPI, APRI, SI (connected number)
	kindLocation                     // INN, NPI, APRI, SI (location number)
	kindSubsequent                   // no octet 2 (subsequent number)
)

// decodeNumber decodes a number parameter. Spec: Q.763 §3.9 (called party
// number), §3.10 (calling), §3.16 (connected), §3.26 (generic), §3.30
// (location), §3.39 (original called), §3.44 (redirecting), §3.46
// (redirection), §3.51 (subsequent number):
//
//	  8     7     6     5     4     3     2     1
//	+-----+-----------------------------------------+
//	| O/E |      nature of address indicator        | 1
//	+-----+-----------------+-----------+-----------+
//	|INN/NI| numbering plan | APRI      | SI        | 2 (layout by parameter)
//	+-----+-----------------+-----------+-----------+
//	|  2nd address signal   |  1st address signal   | 3
//	+-----------------------+-----------------------+
//	:                       :                       :
//	|  filler (if O/E odd)  |  nth address signal   | m
//	+-----------------------+-----------------------+
//
// The subsequent number has only octet 1 (O/E and spare bits) before the
// signals. It returns false when the parameter is too short.
func decodeNumber(n *Number, data []byte, kind numberKind) bool {
	*n = Number{}
	head := 2
	if kind == kindSubsequent {
		head = 1
	}
	if len(data) < head {
		return false
	}
	n.Odd = data[0]&0x80 != 0
	if kind != kindSubsequent {
		n.NAI = data[0] & 0x7f
		o2 := data[1]
		n.NumberingPlan = (o2 >> 4) & 7
		switch kind {
		case kindCalled:
			n.INN = o2&0x80 != 0
		case kindCalling:
			n.NI = o2&0x80 != 0
			n.Presentation = (o2 >> 2) & 3
			n.Screening = o2 & 3
		case kindRedirect:
			n.Presentation = (o2 >> 2) & 3
		case kindConnected:
			n.Presentation = (o2 >> 2) & 3
			n.Screening = o2 & 3
		case kindLocation:
			n.INN = o2&0x80 != 0
			n.Presentation = (o2 >> 2) & 3
			n.Screening = o2 & 3
		}
	}
	sig := data[head:]
	for i, b := range sig {
		for half := 0; half < 2; half++ {
			if half == 1 && n.Odd && i == len(sig)-1 {
				return true // filler
			}
			d := b & 0x0f
			if half == 1 {
				d = b >> 4
			}
			if d == 0x0f {
				n.ST = true
				return true
			}
			n.Digits.add(digitChars[d])
		}
	}
	return true
}

// Cause is a decoded cause indicators parameter. Spec: Q.763 §3.12, which
// refers to Q.850 §2.1:
//
//	  8     7     6     5     4     3     2     1
//	+-----+-----------+-----+-----------------------+
//	| ext | coding std|spare|       location        | 1
//	+-----+-----------+-----+-----------------------+
//	| ext |          recommendation                 | 1a (if ext of 1 is 0)
//	+-----+-----------------------------------------+
//	| ext |          cause value (class, value)     | 2
//	+-----+-----------------------------------------+
//	|                 diagnostic(s)                 | 3...
//	+-----------------------------------------------+
type Cause struct {
	// CodingStandard is 0 for ITU-T, 2 for national (ANSI uses 2).
	CodingStandard uint8
	// Location is the Q.850 location (see cause.Location).
	Location uint8
	// Value is the 7-bit cause value (see cause.Q850).
	Value uint8
	// Recommendation is octet 1a when present (HasRecommendation).
	Recommendation    uint8
	HasRecommendation bool
	// Diagnostics aliases the decoded input.
	Diagnostics []byte
}

func decodeCause(c *Cause, data []byte) bool {
	*c = Cause{}
	if len(data) < 2 {
		return false
	}
	c.CodingStandard = (data[0] >> 5) & 3
	c.Location = data[0] & 0x0f
	i := 1
	if data[0]&0x80 == 0 {
		c.Recommendation = data[1] & 0x7f
		c.HasRecommendation = true
		i = 2
		if len(data) < 3 {
			return false
		}
	}
	c.Value = data[i] & 0x7f
	if i+1 < len(data) {
		c.Diagnostics = data[i+1:]
	}
	return true
}

// Called party's status indicator values (BackwardCallIndicators).
const (
	CalledStatusNoIndication    = 0
	CalledStatusSubscriberFree  = 1
	CalledStatusConnectWhenFree = 2
)

// BackwardCallIndicators is the decoded backward call indicators
// parameter. Spec: Q.763 §3.5:
//
//	   H   G   F   E   D   C   B   A
//	+-------+-------+-------+-------+
//	|e2e mth|cld cat|cld sts|charge | 1
//	+-------+---+---+---+---+---+---+
//	| SCCP  |ech|acc|hld|isu|e2e|iwk| 2
//	  P   O   N   M   L   K   J   I
type BackwardCallIndicators struct {
	// Raw is octet 1 << 8 | octet 2 (tshark's rendering).
	Raw uint16
	// Charge: 0 no indication, 1 no charge, 2 charge.
	Charge uint8
	// CalledPartyStatus: 0 no indication, 1 subscriber free, 2 connect
	// when free.
	CalledPartyStatus uint8
	// CalledPartyCategory: 0 no indication, 1 ordinary subscriber,
	// 2 payphone.
	CalledPartyCategory uint8
	// EndToEndMethod: 0 none, 1 pass-along, 2 SCCP, 3 both.
	EndToEndMethod uint8
	Interworking   bool // I: interworking encountered
	EndToEndInfo   bool // J: end-to-end information available
	ISUPAllTheWay  bool // K: ISDN user part used all the way
	Holding        bool // L: holding requested
	ISDNAccess     bool // M: terminating access ISDN
	EchoControl    bool // N: incoming echo control device included
	// SCCPMethod: 0 none, 1 connectionless, 2 connection oriented, 3 both.
	SCCPMethod uint8
}

func decodeBCI(v *BackwardCallIndicators, data []byte) bool {
	if len(data) < 2 {
		return false
	}
	a, b := data[0], data[1]
	*v = BackwardCallIndicators{
		Raw:                 uint16(a)<<8 | uint16(b),
		Charge:              a & 3,
		CalledPartyStatus:   (a >> 2) & 3,
		CalledPartyCategory: (a >> 4) & 3,
		EndToEndMethod:      (a >> 6) & 3,
		Interworking:        b&0x01 != 0,
		EndToEndInfo:        b&0x02 != 0,
		ISUPAllTheWay:       b&0x04 != 0,
		Holding:             b&0x08 != 0,
		ISDNAccess:          b&0x10 != 0,
		EchoControl:         b&0x20 != 0,
		SCCPMethod:          (b >> 6) & 3,
	}
	return true
}

// OptionalBackwardCallIndicators is the decoded optional backward call
// indicators parameter. Spec: Q.763 §3.37:
//
//	  H   G   F   E   D   C   B   A
//	+---------------+---+---+---+---+
//	|  (national)   |mlp|seg|div|inb|
//	+---------------+---+---+---+---+
type OptionalBackwardCallIndicators struct {
	Raw                   uint8
	InbandInfo            bool // A: in-band information or an appropriate pattern is now available
	CallDiversionMayOccur bool // B
	SimpleSegmentation    bool // C: additional information will be sent in a segmentation message
	MLPPUser              bool // D
}

// Event indicator values of EventInformation. Spec: Q.763 §3.21.
const (
	EventAlerting         = 1
	EventProgress         = 2
	EventInbandInfo       = 3 // in-band information or an appropriate pattern is now available
	EventForwardedOnBusy  = 4
	EventForwardedNoReply = 5
	EventForwardedUncond  = 6
)

// EventInformation is the decoded event information parameter (CPG).
// Spec: Q.763 §3.21:
//
//	   8    7   6   5   4   3   2   1
//	+-----+-----------------------------+
//	| EPRI|       event indicator       |
//	+-----+-----------------------------+
type EventInformation struct {
	// Event: 1 alerting, 2 progress, 3 in-band information or appropriate
	// pattern now available, 4 call forwarded on busy, 5 on no reply,
	// 6 unconditional.
	Event uint8
	// PresentationRestricted is the event presentation restricted
	// indicator.
	PresentationRestricted bool
}

// Redirecting reason values of RedirectionInformation. Spec: Q.763 §3.45.
const (
	RedirectReasonUnknown             = 0
	RedirectReasonUserBusy            = 1
	RedirectReasonNoReply             = 2
	RedirectReasonUnconditional       = 3
	RedirectReasonDeflectionAlerting  = 4
	RedirectReasonDeflectionImmediate = 5
	RedirectReasonMobileNotReachable  = 6
)

// RedirectionInformation is the decoded redirection information
// parameter. Spec: Q.763 §3.45:
//
//	  H   G   F   E    D    C   B   A
//	+---------------+----+-----------+
//	| original reason|spare| indicator | 1
//	+---------------+----+-----------+
//	| redirecting rsn|spare| counter   | 2
//	+---------------+----+-----------+
//
// Reasons: 0 unknown, 1 user busy, 2 no reply, 3 unconditional, 4
// deflection during alerting, 5 deflection immediate response, 6 mobile
// subscriber not reachable.
type RedirectionInformation struct {
	Indicator      uint8 // redirecting indicator (0-6)
	OriginalReason uint8 // original redirection reason
	Counter        uint8 // redirection counter (1-5)
	Reason         uint8 // redirecting reason
}

func decodeRedirection(r *RedirectionInformation, data []byte) bool {
	if len(data) < 1 {
		return false
	}
	*r = RedirectionInformation{Indicator: data[0] & 7, OriginalReason: data[0] >> 4}
	if len(data) > 1 {
		r.Counter = data[1] & 7
		r.Reason = data[1] >> 4
	}
	return true
}

// Forwarding reports whether m says the call was forwarded, and why as a
// redirecting reason (Q.763 §3.45): from its redirection information, or
// from a CPG's event "call forwarded on busy / on no reply /
// unconditional" (§3.21), which carries no redirection information.
func (m *Message) Forwarding() (reason int, ok bool) {
	switch {
	case m.HasRedirection:
		return int(m.Redirection.Reason), true
	case !m.HasEvent:
		return 0, false
	}
	switch m.Event.Event {
	case EventForwardedOnBusy:
		return RedirectReasonUserBusy, true
	case EventForwardedNoReply:
		return RedirectReasonNoReply, true
	case EventForwardedUncond:
		return RedirectReasonUnconditional, true
	}
	return 0, false
}
