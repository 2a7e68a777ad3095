package isup

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. Decode wraps them; test with errors.Is.
var (
	// ErrTruncated means the input ends before a field or parameter it
	// announces (also a pointer pointing past the end).
	ErrTruncated = errors.New("isup: truncated message")
	// ErrMalformed means a field holds a value the format forbids (zero
	// or backward pointer, mandatory parameter too short to decode).
	ErrMalformed = errors.New("isup: malformed message")
)

// ParamError locates a decoding error: the parameter concerned (or
// ParamEndOfOptional for the optional part and its pointer) and the byte
// offset in the input given to Decode or DecodeBody.
type ParamError struct {
	Code   ParamCode
	Offset int
	Err    error
}

// Error returns e.g. "isup: called party number at offset 9: truncated
// message".
func (e *ParamError) Error() string {
	what := e.Code.String()
	if e.Code == ParamEndOfOptional {
		what = "optional part"
	}
	msg := "<nil>"
	if e.Err != nil {
		msg = strings.TrimPrefix(e.Err.Error(), "isup: ")
	}
	return "isup: " + what + " at offset " + strconv.Itoa(e.Offset) + ": " + msg
}

// Unwrap returns the underlying sentinel.
func (e *ParamError) Unwrap() error { return e.Err }

// Param is one parameter exactly as it was on the wire; Data aliases the
// decoded input.
type Param struct {
	Code ParamCode
	Data []byte
}

// Message is a decoded ISUP message. Decode and DecodeBody fill it in
// place: they reset every field, reuse the capacity of Params, and make
// every []byte field alias the input, so a Message is valid only until
// the input buffer is reused or modified. Copy what must outlive it.
//
// Typed fields (Called, Cause, BCI, ...) come with a Has* flag telling
// whether the parameter was present and decodable. Params lists every
// parameter in wire order (mandatory fixed, mandatory variable, optional),
// known or not, undecoded.
type Message struct {
	Variant Variant
	Type    MessageType
	// CIC is the circuit identification code (12 bits ITU, 14 bits ANSI);
	// HasCIC is false for SIP-I/SIP-T bodies, which carry none.
	CIC    uint16
	HasCIC bool

	// IAM mandatory fixed part.
	NatureOfConnection    uint8  // Q.763 §3.35
	ForwardCallIndicators uint16 // Q.763 §3.23, octet 1 << 8 | octet 2
	CallingPartyCategory  uint8  // Q.763 §3.11 (10 = ordinary subscriber)
	TransmissionMedium    uint8  // Q.763 §3.54 (ITU IAM): 0 speech, 2 64 kbit/s unrestricted, 3 3.1 kHz audio
	// UserServiceInfo is the user service information (Q.931 bearer
	// capability): mandatory in the ANSI IAM, optional in ITU.
	UserServiceInfo []byte

	Called, Calling, Redirecting, OriginalCalled Number
	HasCalled, HasCalling, HasRedirecting        bool
	HasOriginalCalled                            bool
	Generic                                      Number
	HasGeneric                                   bool
	// GenericQualifier is the number qualifier indicator of Generic
	// (Q.763 §3.26: 6 additional calling party number, ...).
	GenericQualifier                                               uint8
	Connected, RedirectionNumber, Location, Subsequent             Number
	HasConnected, HasRedirectionNumber, HasLocation, HasSubsequent bool

	BCI     BackwardCallIndicators
	HasBCI  bool
	OBCI    OptionalBackwardCallIndicators
	HasOBCI bool

	Event    EventInformation
	HasEvent bool

	Cause    Cause
	HasCause bool

	Redirection    RedirectionInformation
	HasRedirection bool

	// SuspendResume is the suspend/resume indicator (SUS, RES): 0 ISDN
	// subscriber initiated, 1 network initiated.
	SuspendResume    uint8
	HasSuspendResume bool

	// Range and Status come from the range and status parameter of GRS,
	// GRA, CGB, CGU, CGBA, CGUA, CQM and CQR (Q.763 §3.43): the circuits
	// concerned are CIC..CIC+Range; Status (absent in GRS and CQM) has one
	// bit per circuit and aliases the input.
	Range    uint8
	Status   []byte
	HasRange bool
	// CGSMTypeIndicator is the circuit group supervision message type
	// (CGB, CGU, CGBA, CGUA; Q.763 §3.13): 0 maintenance oriented,
	// 1 hardware failure oriented.
	CGSMTypeIndicator uint8
	HasCGSMType       bool

	// InformationIndicators (INF) and InformationRequestIndicators (INR)
	// are the raw 2 octets, octet 1 << 8 | octet 2 (Q.763 §3.28, §3.29).
	InformationIndicators        uint16
	InformationRequestIndicators uint16

	// HopCounter is the hop counter (Q.763 §3.80) when HasHopCounter.
	HopCounter    uint8
	HasHopCounter bool

	Params []Param
}

// Param returns the first parameter with the given code, if any.
func (m *Message) Param(code ParamCode) ([]byte, bool) {
	for i := range m.Params {
		if m.Params[i].Code == code {
			return m.Params[i].Data, true
		}
	}
	return nil, false
}

// reset clears every field and keeps the capacity of Params.
func (m *Message) reset(v Variant) {
	p := m.Params[:0]
	*m = Message{Variant: v, Params: p}
}

// Decode decodes an ISUP message as carried by MTP3 with service
// indicator 5 (and by M3UA DATA): b starts at the CIC. Spec: Q.763 §1.2
// (CIC), §1.3 (message type), §1.5-1.8 (parts), §4 (formats):
//
//	+--------------------------------+
//	| CIC, least significant octet   | 0
//	| spare | CIC, most significant  | 1   (4 bits ITU, 6 bits ANSI)
//	+--------------------------------+
//	| message type code              | 2
//	+--------------------------------+
//	| mandatory fixed part           |
//	| mandatory variable part        |   (pointers, then length+value)
//	| optional part                  |   (code, length, value)..., 0
//	+--------------------------------+
//
// m is reset first and its Params capacity reused; on success every slice
// in m aliases b, so m is valid until b is reused. An unknown message type
// or parameter is not an error: the bytes stay in Params. On error m holds
// what was decoded before the fault.
func (m *Message) Decode(b []byte, v Variant) error {
	m.reset(v)
	if len(b) < 3 {
		return ErrTruncated
	}
	cic := uint16(b[0]) | uint16(b[1])<<8
	if v == ANSI {
		cic &= 0x3fff
	} else {
		cic &= 0x0fff
	}
	m.CIC = cic
	m.HasCIC = true
	m.Type = MessageType(b[2])
	return m.decodeParts(b, 3)
}

// DecodeBody decodes the ISUP body of a SIP-I or SIP-T message
// (Content-Type application/isup, RFC 3204): "The ISUP message is
// encapsulated beginning with the Message Type Code (i.e., omitting
// Routing Label and Circuit ID Code)". So b starts at the message type
// and HasCIC stays false. Aliasing and errors are as for Decode.
func (m *Message) DecodeBody(b []byte, v Variant) error {
	m.reset(v)
	if len(b) < 1 {
		return ErrTruncated
	}
	m.Type = MessageType(b[0])
	return m.decodeParts(b, 1)
}

// fixedParam is one mandatory fixed parameter and its length.
type fixedParam struct {
	code ParamCode
	n    uint8
}

// format is one message layout from Q.763 §4 (Tables 21-56) or T1.113.
type format struct {
	known    bool
	fixed    []fixedParam
	variable []ParamCode
	optional bool
}

var (
	fBCI       = []fixedParam{{ParamBackwardCallIndicators, 2}}
	fSusRes    = []fixedParam{{ParamSuspendResumeIndicators, 1}}
	fCGSM      = []fixedParam{{ParamCGSMessageType, 1}}
	fFacility  = []fixedParam{{ParamFacilityIndicator, 1}}
	vCause     = []ParamCode{ParamCauseIndicators}
	vRange     = []ParamCode{ParamRangeAndStatus}
	onlyOpt    = format{known: true, optional: true}
	typeOnly   = format{known: true}
	rangeOnly  = format{known: true, variable: vRange}
	cgsmFormat = format{known: true, fixed: fCGSM, variable: vRange}
)

// ituFormats is Q.763 §4 (Tables 21-56), by message type.
var ituFormats = [256]format{
	// Table 32: IAM.
	IAM: {known: true, fixed: []fixedParam{
		{ParamNatureOfConnection, 1}, {ParamForwardCallIndicators, 2},
		{ParamCallingPartyCategory, 1}, {ParamTransmissionMediumReq, 1},
	}, variable: []ParamCode{ParamCalledPartyNumber}, optional: true},
	SAM: {known: true, variable: []ParamCode{ParamSubsequentNumber}, optional: true},         // Table 35
	INR: {known: true, fixed: []fixedParam{{ParamInformationRequestInd, 2}}, optional: true}, // Table 33
	INF: {known: true, fixed: []fixedParam{{ParamInformationIndicators, 2}}, optional: true}, // Table 34
	COT: {known: true, fixed: []fixedParam{{ParamContinuityIndicators, 1}}},                  // Table 31
	ACM: {known: true, fixed: fBCI, optional: true},                                          // Table 21
	CON: {known: true, fixed: fBCI, optional: true},                                          // Table 25
	FOT: onlyOpt,                                                                             // Table 28
	ANM: onlyOpt,                                                                             // Table 22
	REL: {known: true, variable: vCause, optional: true},                                     // Table 26
	SUS: {known: true, fixed: fSusRes, optional: true},                                       // Table 38
	RES: {known: true, fixed: fSusRes, optional: true},                                       // Table 38
	RLC: onlyOpt,                                                                             // Table 27
	// Table 39: message type only.
	CCR: typeOnly, RSC: typeOnly, BLO: typeOnly, UBL: typeOnly, BLA: typeOnly,
	UBA: typeOnly, UCIC: typeOnly, LPA: typeOnly, OLM: typeOnly,
	GRS:  rangeOnly,  // Table 41
	GRA:  rangeOnly,  // Table 41
	CQM:  rangeOnly,  // Table 41
	CGB:  cgsmFormat, // Table 40
	CGU:  cgsmFormat,
	CGBA: cgsmFormat,
	CGUA: cgsmFormat,
	CQR:  {known: true, variable: []ParamCode{ParamRangeAndStatus, ParamCircuitStateIndicator}}, // Table 44
	CPG:  {known: true, fixed: []fixedParam{{ParamEventInformation, 1}}, optional: true},        // Table 24
	CFN:  {known: true, variable: vCause, optional: true},                                       // Table 23
	USR:  {known: true, variable: []ParamCode{ParamUserToUserInformation}, optional: true},      // Table 37
	FAR:  {known: true, fixed: fFacility, optional: true},                                       // Table 29
	FAA:  {known: true, fixed: fFacility, optional: true},                                       // Table 29
	FRJ:  {known: true, fixed: fFacility, variable: vCause, optional: true},                     // Table 30
	FAC:  onlyOpt, NRM: onlyOpt, IDR: onlyOpt, IRS: onlyOpt, SGM: onlyOpt,
	UPT: onlyOpt, UPA: onlyOpt, APM: onlyOpt, PRI: onlyOpt, LOP: onlyOpt, SDN: onlyOpt,
	// PAM (an embedded message), CRG (national content) and the 1984/1988
	// codes have no fixed layout here: their bytes stay raw.
}

// ansiFormats is T1.113.4 where it differs from Q.763.
var ansiFormats = func() [256]format {
	t := ituFormats
	// ANSI IAM: no transmission medium requirement; user service
	// information is mandatory variable, before the called party number.
	t[IAM] = format{known: true, fixed: []fixedParam{
		{ParamNatureOfConnection, 1}, {ParamForwardCallIndicators, 2},
		{ParamCallingPartyCategory, 1},
	}, variable: []ParamCode{ParamUserServiceInformation, ParamCalledPartyNumber}, optional: true}
	t[CRA] = typeOnly
	t[CRM] = format{known: true, fixed: []fixedParam{{ParamNatureOfConnection, 1}}}
	t[CVT] = typeOnly
	t[CVR] = format{known: true, fixed: []fixedParam{
		{ParamCircuitValidationResponse, 1}, {ParamCircuitGroupCharacteristic, 1},
	}, optional: true}
	t[EXM] = onlyOpt
	return t
}()

func (m *Message) decodeParts(b []byte, pos int) error {
	var f *format
	if m.Variant == ANSI {
		f = &ansiFormats[m.Type]
	} else {
		f = &ituFormats[m.Type]
	}
	if !f.known {
		if pos < len(b) {
			m.Params = append(m.Params, Param{Code: ParamEndOfOptional, Data: b[pos:]})
		}
		return nil
	}
	// Mandatory fixed part (Q.763 §1.6).
	for _, fp := range f.fixed {
		end := pos + int(fp.n)
		if end > len(b) {
			return &ParamError{Code: fp.code, Offset: pos, Err: ErrTruncated}
		}
		if err := m.add(fp.code, b[pos:end:end], pos, true); err != nil {
			return err
		}
		pos = end
	}
	// Pointers (Q.763 §1.7, §1.8): one per mandatory variable parameter
	// and one for the optional part.
	nptr := len(f.variable)
	if f.optional {
		nptr++
	}
	ptrEnd := pos + nptr
	if ptrEnd > len(b) {
		code := ParamEndOfOptional
		if i := len(b) - pos; i >= 0 && i < len(f.variable) {
			code = f.variable[i]
		}
		return &ParamError{Code: code, Offset: len(b), Err: ErrTruncated}
	}
	// Mandatory variable part: pointer -> length indicator, value.
	for i, code := range f.variable {
		p := pos + i
		t := p + int(b[p])
		switch {
		case b[p] == 0 || t < ptrEnd:
			return &ParamError{Code: code, Offset: p, Err: ErrMalformed}
		case t >= len(b):
			return &ParamError{Code: code, Offset: p, Err: ErrTruncated}
		}
		end := t + 1 + int(b[t])
		if end > len(b) {
			return &ParamError{Code: code, Offset: t, Err: ErrTruncated}
		}
		if err := m.add(code, b[t+1:end:end], t+1, true); err != nil {
			return err
		}
	}
	if !f.optional {
		return nil
	}
	// Optional part: (code, length, value)... ended by code 0.
	p := pos + len(f.variable)
	if b[p] == 0 {
		return nil // no optional part
	}
	t := p + int(b[p])
	if t < ptrEnd {
		return &ParamError{Code: ParamEndOfOptional, Offset: p, Err: ErrMalformed}
	}
	for {
		if t >= len(b) {
			return &ParamError{Code: ParamEndOfOptional, Offset: t, Err: ErrTruncated}
		}
		code := ParamCode(b[t])
		if code == ParamEndOfOptional {
			return nil
		}
		if t+1 >= len(b) {
			return &ParamError{Code: code, Offset: t, Err: ErrTruncated}
		}
		end := t + 2 + int(b[t+1])
		if end > len(b) {
			return &ParamError{Code: code, Offset: t, Err: ErrTruncated}
		}
		if err := m.add(code, b[t+2:end:end], t+2, false); err != nil {
			return err
		}
		t = end
	}
}

// add appends a parameter to Params and fills the typed field it feeds. A
// mandatory parameter too short to decode is an error; an optional one
// just leaves its Has* flag false.
func (m *Message) add(code ParamCode, data []byte, off int, mandatory bool) error {
	m.Params = append(m.Params, Param{Code: code, Data: data})
	if m.apply(code, data) || !mandatory {
		return nil
	}
	return &ParamError{Code: code, Offset: off, Err: ErrMalformed}
}

// apply decodes a known parameter into its typed field; it reports false
// when the value is too short for its format (unknown codes report true).
func (m *Message) apply(code ParamCode, d []byte) bool {
	switch code {
	case ParamNatureOfConnection:
		if len(d) < 1 {
			return false
		}
		m.NatureOfConnection = d[0]
	case ParamForwardCallIndicators:
		if len(d) < 2 {
			return false
		}
		m.ForwardCallIndicators = uint16(d[0])<<8 | uint16(d[1])
	case ParamCallingPartyCategory:
		if len(d) < 1 {
			return false
		}
		m.CallingPartyCategory = d[0]
	case ParamTransmissionMediumReq:
		if len(d) < 1 {
			return false
		}
		m.TransmissionMedium = d[0]
	case ParamUserServiceInformation:
		m.UserServiceInfo = d
	case ParamCalledPartyNumber:
		m.HasCalled = decodeNumber(&m.Called, d, kindCalled)
		return m.HasCalled
	case ParamCallingPartyNumber:
		m.HasCalling = decodeNumber(&m.Calling, d, kindCalling)
		return m.HasCalling
	case ParamRedirectingNumber:
		m.HasRedirecting = decodeNumber(&m.Redirecting, d, kindRedirect)
		return m.HasRedirecting
	case ParamOriginalCalledNumber:
		m.HasOriginalCalled = decodeNumber(&m.OriginalCalled, d, kindRedirect)
		return m.HasOriginalCalled
	case ParamRedirectionNumber:
		m.HasRedirectionNumber = decodeNumber(&m.RedirectionNumber, d, kindCalled)
		return m.HasRedirectionNumber
	case ParamConnectedNumber:
		m.HasConnected = decodeNumber(&m.Connected, d, kindConnected)
		return m.HasConnected
	case ParamLocationNumber:
		m.HasLocation = decodeNumber(&m.Location, d, kindLocation)
		return m.HasLocation
	case ParamSubsequentNumber:
		m.HasSubsequent = decodeNumber(&m.Subsequent, d, kindSubsequent)
		return m.HasSubsequent
	case ParamGenericNumber:
		// Q.763 §3.26: number qualifier indicator, then a calling-style
		// number.
		if len(d) < 1 {
			return false
		}
		m.GenericQualifier = d[0]
		m.HasGeneric = decodeNumber(&m.Generic, d[1:], kindCalling)
		return m.HasGeneric
	case ParamBackwardCallIndicators:
		m.HasBCI = decodeBCI(&m.BCI, d)
		return m.HasBCI
	case ParamOptionalBackwardCallInd:
		if len(d) < 1 {
			return false
		}
		o := d[0]
		m.OBCI = OptionalBackwardCallIndicators{
			Raw: o, InbandInfo: o&1 != 0, CallDiversionMayOccur: o&2 != 0,
			SimpleSegmentation: o&4 != 0, MLPPUser: o&8 != 0,
		}
		m.HasOBCI = true
	case ParamEventInformation:
		if len(d) < 1 {
			return false
		}
		m.Event = EventInformation{Event: d[0] & 0x7f, PresentationRestricted: d[0]&0x80 != 0}
		m.HasEvent = true
	case ParamCauseIndicators:
		m.HasCause = decodeCause(&m.Cause, d)
		return m.HasCause
	case ParamRedirectionInformation:
		m.HasRedirection = decodeRedirection(&m.Redirection, d)
		return m.HasRedirection
	case ParamSuspendResumeIndicators:
		if len(d) < 1 {
			return false
		}
		m.SuspendResume = d[0] & 1
		m.HasSuspendResume = true
	case ParamRangeAndStatus:
		if len(d) < 1 {
			return false
		}
		m.Range = d[0]
		m.Status = nil
		if len(d) > 1 {
			m.Status = d[1:]
		}
		m.HasRange = true
	case ParamCGSMessageType:
		if len(d) < 1 {
			return false
		}
		m.CGSMTypeIndicator = d[0] & 3
		m.HasCGSMType = true
	case ParamInformationIndicators:
		if len(d) < 2 {
			return false
		}
		m.InformationIndicators = uint16(d[0])<<8 | uint16(d[1])
	case ParamInformationRequestInd:
		if len(d) < 2 {
			return false
		}
		m.InformationRequestIndicators = uint16(d[0])<<8 | uint16(d[1])
	case ParamHopCounter:
		if len(d) < 1 {
			return false
		}
		m.HopCounter = d[0] & 0x1f
		m.HasHopCounter = true
	}
	return true
}

// ParseVariant picks the variant from the parameters of an
// application/isup Content-Type (RFC 3204 §4): "base" names a well-known
// version the body can be processed as, so it wins when it names one;
// else "version". Values starting "ansi", "gr317" or "t1" are ANSI;
// everything else ("itu-t92+", "etsi121", "spirou", empty, unknown) is ITU.
func ParseVariant(version, base string) Variant {
	if v, ok := variantOf(base); ok {
		return v
	}
	if v, ok := variantOf(version); ok {
		return v
	}
	return ITU
}

func variantOf(s string) (Variant, bool) {
	s = strings.TrimSpace(strings.Trim(strings.TrimSpace(s), `"`))
	switch {
	case s == "":
		return ITU, false
	case hasPrefixFold(s, "ansi"), hasPrefixFold(s, "gr317"), hasPrefixFold(s, "gr-317"), hasPrefixFold(s, "t1"):
		return ANSI, true
	case hasPrefixFold(s, "itu"), hasPrefixFold(s, "etsi"), hasPrefixFold(s, "q763"),
		hasPrefixFold(s, "q.763"), hasPrefixFold(s, "spirou"), hasPrefixFold(s, "ttc"):
		return ITU, true
	}
	return ITU, false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
