package isup

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/callsight/callsight/internal/testcorpus"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// ps builds a Params list from (code, hex) pairs.
func ps(kv ...any) []Param {
	var out []Param
	for i := 0; i < len(kv); i += 2 {
		out = append(out, Param{Code: ParamCode(kv[i].(int)), Data: hx(kv[i+1].(string))})
	}
	return out
}

var cmpOpts = cmp.Options{cmpopts.EquateEmpty()}

type decodeCase struct {
	name    string
	variant Variant
	body    bool // DecodeBody (SIP-I/SIP-T) instead of Decode
	in      string
	want    Message
	// prefixesOK: every strict prefix is not necessarily an error
	// (unknown formats keep whatever bytes there are).
	prefixesOK bool
}

// Fixtures from real captures, checked field by field against tshark 4.x:
//
//	tcpdump/isup.pcap (tshark -o "m3ua.version:Internet Draft version 6"), CIC 213
//	arkime/m3ua_synthetic.pcap frames 10, 31, 32 (ACM) and 89 (type 0)
//	sip-capture/sip-i.pcap frame 2, application/isup; version=ansi88; base=ansi88
var corpusCases = []decodeCase{
	{
		name: "tcpdump isup.pcap frame 1 IAM",
		in:   "d5000100a0010a02020705819084190f0a070317933393798008018003057c038890a61d038890a6310200643f06039300060010f4056476c328813902f49000",
		want: Message{
			Type: IAM, CIC: 213, HasCIC: true,
			NatureOfConnection: 0, ForwardCallIndicators: 0xa001, CallingPartyCategory: 0x0a, TransmissionMedium: 2,
			UserServiceInfo: hx("8890a6"),
			Called:          Number{NAI: 1, Odd: true, INN: true, NumberingPlan: 1, ST: true, Digits: MakeDigits("4891")},
			HasCalled:       true,
			Calling:         Number{NAI: 3, NumberingPlan: 1, Presentation: 1, Screening: 3, Digits: MakeDigits("3933399708")},
			HasCalling:      true,
			Location:        Number{NAI: 3, INN: true, NumberingPlan: 1, Screening: 3, Digits: MakeDigits("00600001")},
			HasLocation:     true,
			Params: ps(0x06, "00", 0x07, "a001", 0x09, "0a", 0x02, "02", 0x04, "8190 84190f",
				0x0a, "0317 9333937980", 0x08, "80", 0x03, "7c038890a6", 0x1d, "8890a6", 0x31, "0064",
				0x3f, "0393 00060010", 0xf4, "6476c32881", 0x39, "f490"),
		},
	},
	{
		name: "tcpdump isup.pcap frame 2 CFN cause 99",
		in:   "d5002f02000384e3f4",
		want: Message{Type: CFN, CIC: 213, HasCIC: true,
			Cause: Cause{Location: 4, Value: 99, Diagnostics: hx("f4")}, HasCause: true,
			Params: ps(0x12, "84e3f4")},
	},
	{
		name: "tcpdump isup.pcap frame 3 ACM",
		in:   "d50006042400",
		want: Message{Type: ACM, CIC: 213, HasCIC: true,
			BCI:    BackwardCallIndicators{Raw: 0x0424, CalledPartyStatus: CalledStatusSubscriberFree, ISUPAllTheWay: true, EchoControl: true},
			HasBCI: true, Params: ps(0x11, "0424")},
	},
	{
		name: "tcpdump isup.pcap frame 4 ANM",
		in:   "d5000900",
		want: Message{Type: ANM, CIC: 213, HasCIC: true},
	},
	{
		name: "tcpdump isup.pcap frame 5 REL cause 16",
		in:   "d5000c0200028090",
		want: Message{Type: REL, CIC: 213, HasCIC: true,
			Cause: Cause{Value: 16}, HasCause: true, Params: ps(0x12, "8090")},
	},
	{
		name: "tcpdump isup.pcap frame 6 RLC",
		in:   "d5001000",
		want: Message{Type: RLC, CIC: 213, HasCIC: true},
	},
	{
		// Three bytes follow the zero optional pointer; tshark ignores them too.
		name: "arkime m3ua_synthetic.pcap frame 10 ACM with trailing bytes",
		in:   "010006110000020a00",
		want: Message{Type: ACM, CIC: 1, HasCIC: true,
			BCI:    BackwardCallIndicators{Raw: 0x1100, Charge: 1, CalledPartyCategory: 1},
			HasBCI: true, Params: ps(0x11, "1100")},
		prefixesOK: true,
	},
	{
		name:       "arkime m3ua_synthetic.pcap frame 89 unknown message type 0",
		in:         "0001000a020100",
		want:       Message{Type: 0, CIC: 256, HasCIC: true, Params: ps(0x00, "0a020100")},
		prefixesOK: true,
	},
	{
		name:    "sip-i.pcap frame 2 ANSI IAM in a SIP-T body",
		variant: ANSI, body: true,
		in: "011060000a03060d039090a20703104854163887c503229031ee010023042290310000",
		want: Message{Variant: ANSI, Type: IAM,
			NatureOfConnection: 0x10, ForwardCallIndicators: 0x6000, CallingPartyCategory: 0x0a,
			UserServiceInfo: hx("9090a2"),
			Called:          Number{NAI: 3, NumberingPlan: 1, Digits: MakeDigits("8445618378")},
			HasCalled:       true,
			Params: ps(0x06, "10", 0x07, "6000", 0x09, "0a", 0x1d, "9090a2", 0x04, "0310 4854163887",
				0xc5, "229031", 0xee, "00", 0x23, "22903100"),
		},
	},
}

// Hand-built cases, one or more per fully decoded message type. CIC 5
// unless said otherwise.
var tableCases = []decodeCase{
	{
		name: "IAM every number and redirection parameter, unknown parameter",
		in: "2301 01 01 2001 0a 00 02 08 06 8410 2143650b" +
			" 0a07 0313 2143658709" + // calling
			" 0b04 0314 2143" + // redirecting
			" 2804 8314 2103" + // original called
			" 1302 2314" + // redirection information
			" c005 06 0313 2143" + // generic number
			" 3d01 1a" + // hop counter
			" fe02 abcd" + // unknown
			" 00",
		want: Message{Type: IAM, CIC: 0x123, HasCIC: true,
			NatureOfConnection: 1, ForwardCallIndicators: 0x2001, CallingPartyCategory: 0x0a,
			Called:            Number{NAI: 4, Odd: true, NumberingPlan: 1, Digits: MakeDigits("123456*")},
			HasCalled:         true,
			Calling:           Number{NAI: 3, NumberingPlan: 1, Screening: 3, Digits: MakeDigits("1234567890")},
			HasCalling:        true,
			Redirecting:       Number{NAI: 3, NumberingPlan: 1, Presentation: 1, Digits: MakeDigits("1234")},
			HasRedirecting:    true,
			OriginalCalled:    Number{NAI: 3, Odd: true, NumberingPlan: 1, Presentation: 1, Digits: MakeDigits("123")},
			HasOriginalCalled: true,
			Redirection:       RedirectionInformation{Indicator: 3, OriginalReason: 2, Counter: 4, Reason: RedirectReasonUserBusy},
			HasRedirection:    true,
			Generic:           Number{NAI: 3, NumberingPlan: 1, Screening: 3, Digits: MakeDigits("1234")},
			HasGeneric:        true, GenericQualifier: 6,
			HopCounter: 26, HasHopCounter: true,
			Params: ps(0x06, "01", 0x07, "2001", 0x09, "0a", 0x02, "00", 0x04, "84102143650b",
				0x0a, "03132143658709", 0x0b, "03142143", 0x28, "83142103", 0x13, "2314",
				0xc0, "0603132143", 0x3d, "1a", 0xfe, "abcd"),
		},
	},
	{
		name: "IAM malformed optional calling number is kept raw",
		in:   "0500 01 00 0000 0a 00 02 04 02 0310 0a01 03 00",
		want: Message{Type: IAM, CIC: 5, HasCIC: true, CallingPartyCategory: 0x0a,
			Called: Number{NAI: 3, NumberingPlan: 1}, HasCalled: true,
			Params: ps(0x06, "00", 0x07, "0000", 0x09, "0a", 0x02, "00", 0x04, "0310", 0x0a, "03")},
	},
	{
		name: "SAM subsequent number with ST",
		in:   "0500 02 02 00 03 80210f",
		want: Message{Type: SAM, CIC: 5, HasCIC: true,
			Subsequent: Number{Odd: true, ST: true, Digits: MakeDigits("12")}, HasSubsequent: true,
			Params: ps(0x05, "80210f")},
	},
	{
		name: "INR",
		in:   "0500 03 0100 00",
		want: Message{Type: INR, CIC: 5, HasCIC: true, InformationRequestIndicators: 0x0100,
			Params: ps(0x0e, "0100")},
	},
	{
		name: "INF with calling party number",
		in:   "0500 04 0c00 01 0a04 0313 2143 00",
		want: Message{Type: INF, CIC: 5, HasCIC: true, InformationIndicators: 0x0c00,
			Calling: Number{NAI: 3, NumberingPlan: 1, Screening: 3, Digits: MakeDigits("1234")}, HasCalling: true,
			Params: ps(0x0f, "0c00", 0x0a, "03132143")},
	},
	{
		name: "COT",
		in:   "0500 05 01",
		want: Message{Type: COT, CIC: 5, HasCIC: true, Params: ps(0x10, "01")},
	},
	{
		name: "ACM with optional backward call indicators",
		in:   "0500 06 1614 01 2901 01 00",
		want: Message{Type: ACM, CIC: 5, HasCIC: true,
			BCI: BackwardCallIndicators{Raw: 0x1614, Charge: 2, CalledPartyStatus: 1, CalledPartyCategory: 1,
				ISUPAllTheWay: true, ISDNAccess: true}, HasBCI: true,
			OBCI: OptionalBackwardCallIndicators{Raw: 1, InbandInfo: true}, HasOBCI: true,
			Params: ps(0x11, "1614", 0x29, "01")},
	},
	{
		name: "CON with connected number",
		in:   "0500 07 0214 01 2104 0315 2143 00",
		want: Message{Type: CON, CIC: 5, HasCIC: true,
			BCI: BackwardCallIndicators{Raw: 0x0214, Charge: 2, ISUPAllTheWay: true, ISDNAccess: true}, HasBCI: true,
			Connected:    Number{NAI: 3, NumberingPlan: 1, Presentation: 1, Screening: 1, Digits: MakeDigits("1234")},
			HasConnected: true,
			Params:       ps(0x11, "0214", 0x21, "03152143")},
	},
	{
		name: "CPG alerting with in-band information",
		in:   "0500 2c 01 01 2901 01 00",
		want: Message{Type: CPG, CIC: 5, HasCIC: true,
			Event: EventInformation{Event: EventAlerting}, HasEvent: true,
			OBCI: OptionalBackwardCallIndicators{Raw: 1, InbandInfo: true}, HasOBCI: true,
			Params: ps(0x24, "01", 0x29, "01")},
	},
	{
		name: "CPG forwarded on no reply, presentation restricted, redirection number",
		in:   "0500 2c 85 01 0c04 8390 2103 00",
		want: Message{Type: CPG, CIC: 5, HasCIC: true,
			Event: EventInformation{Event: EventForwardedNoReply, PresentationRestricted: true}, HasEvent: true,
			RedirectionNumber:    Number{NAI: 3, Odd: true, INN: true, NumberingPlan: 1, Digits: MakeDigits("123")},
			HasRedirectionNumber: true,
			Params:               ps(0x24, "85", 0x0c, "83902103")},
	},
	{
		name: "ANM with optional backward call indicators",
		in:   "0500 09 01 2901 02 00",
		want: Message{Type: ANM, CIC: 5, HasCIC: true,
			OBCI: OptionalBackwardCallIndicators{Raw: 2, CallDiversionMayOccur: true}, HasOBCI: true,
			Params: ps(0x29, "02")},
	},
	{
		name: "REL user busy with recommendation, diagnostics and redirection number",
		in:   "0500 0c 02 06 04 0280910a 0c04 8390 2103 00",
		want: Message{Type: REL, CIC: 5, HasCIC: true,
			Cause: Cause{Location: 2, Value: 17, HasRecommendation: true, Diagnostics: hx("0a")}, HasCause: true,
			RedirectionNumber:    Number{NAI: 3, Odd: true, INN: true, NumberingPlan: 1, Digits: MakeDigits("123")},
			HasRedirectionNumber: true,
			Params:               ps(0x12, "0280910a", 0x0c, "83902103")},
	},
	{
		name: "RLC with cause",
		in:   "0500 10 01 1202 8090 00",
		want: Message{Type: RLC, CIC: 5, HasCIC: true, Cause: Cause{Value: 16}, HasCause: true,
			Params: ps(0x12, "8090")},
	},
	{
		name: "SUS network initiated",
		in:   "0500 0d 01 00",
		want: Message{Type: SUS, CIC: 5, HasCIC: true, SuspendResume: 1, HasSuspendResume: true, Params: ps(0x22, "01")},
	},
	{
		name: "RES subscriber initiated",
		in:   "0500 0e 00 00",
		want: Message{Type: RES, CIC: 5, HasCIC: true, HasSuspendResume: true, Params: ps(0x22, "00")},
	},
	{
		name: "CFN with diagnostic",
		in:   "0500 2f 02 00 03 84e361",
		want: Message{Type: CFN, CIC: 5, HasCIC: true, Cause: Cause{Location: 4, Value: 99, Diagnostics: hx("61")},
			HasCause: true, Params: ps(0x12, "84e361")},
	},
	{name: "BLO", in: "0500 13", want: Message{Type: BLO, CIC: 5, HasCIC: true}},
	{name: "UBL", in: "0500 14", want: Message{Type: UBL, CIC: 5, HasCIC: true}},
	{name: "BLA", in: "0500 15", want: Message{Type: BLA, CIC: 5, HasCIC: true}},
	{name: "UBA", in: "0500 16", want: Message{Type: UBA, CIC: 5, HasCIC: true}},
	{name: "RSC", in: "0500 12", want: Message{Type: RSC, CIC: 5, HasCIC: true}},
	{name: "UCIC", in: "0500 2e", want: Message{Type: UCIC, CIC: 5, HasCIC: true}},
	{name: "CCR", in: "0500 11", want: Message{Type: CCR, CIC: 5, HasCIC: true}},
	{name: "LPA", in: "0500 24", want: Message{Type: LPA, CIC: 5, HasCIC: true}},
	{
		name: "GRS range 31",
		in:   "0500 17 01 01 1f",
		want: Message{Type: GRS, CIC: 5, HasCIC: true, Range: 31, HasRange: true, Params: ps(0x16, "1f")},
	},
	{
		name: "GRA range 31 with status",
		in:   "0500 29 01 05 1f ffffff7f",
		want: Message{Type: GRA, CIC: 5, HasCIC: true, Range: 31, Status: hx("ffffff7f"), HasRange: true,
			Params: ps(0x16, "1fffffff7f")},
	},
	{
		name: "CGB maintenance",
		in:   "0500 18 00 01 02 07ff",
		want: Message{Type: CGB, CIC: 5, HasCIC: true, HasCGSMType: true, Range: 7, Status: hx("ff"), HasRange: true,
			Params: ps(0x15, "00", 0x16, "07ff")},
	},
	{
		name: "CGU hardware failure",
		in:   "0500 19 01 01 02 070f",
		want: Message{Type: CGU, CIC: 5, HasCIC: true, CGSMTypeIndicator: 1, HasCGSMType: true, Range: 7,
			Status: hx("0f"), HasRange: true, Params: ps(0x15, "01", 0x16, "070f")},
	},
	{
		name: "CGBA",
		in:   "0500 1a 00 01 02 07ff",
		want: Message{Type: CGBA, CIC: 5, HasCIC: true, HasCGSMType: true, Range: 7, Status: hx("ff"), HasRange: true,
			Params: ps(0x15, "00", 0x16, "07ff")},
	},
	{
		name: "CGUA",
		in:   "0500 1b 00 01 02 07ff",
		want: Message{Type: CGUA, CIC: 5, HasCIC: true, HasCGSMType: true, Range: 7, Status: hx("ff"), HasRange: true,
			Params: ps(0x15, "00", 0x16, "07ff")},
	},
	{
		name: "CQM",
		in:   "0500 2a 01 01 03",
		want: Message{Type: CQM, CIC: 5, HasCIC: true, Range: 3, HasRange: true, Params: ps(0x16, "03")},
	},
	{
		name: "CQR with circuit state indicator",
		in:   "0500 2b 02 04 02030f 0401020304",
		want: Message{Type: CQR, CIC: 5, HasCIC: true, Range: 3, Status: hx("0f"), HasRange: true,
			Params: ps(0x16, "030f", 0x26, "01020304")},
	},
	{
		name: "USR",
		in:   "0500 2d 02 00 02 abcd",
		want: Message{Type: USR, CIC: 5, HasCIC: true, Params: ps(0x20, "abcd")},
	},
	{
		name: "FRJ facility indicator and cause",
		in:   "0500 21 02 02 00 02 8095",
		want: Message{Type: FRJ, CIC: 5, HasCIC: true, Cause: Cause{Value: 21}, HasCause: true,
			Params: ps(0x18, "02", 0x12, "8095")},
	},
	{
		name: "APM optional part only",
		in:   "0500 41 01 7803 000102 00",
		want: Message{Type: APM, CIC: 5, HasCIC: true, Params: ps(0x78, "000102")},
	},
	{
		name: "PAM kept raw",
		in:   "0500 28 06042400",
		want: Message{Type: PAM, CIC: 5, HasCIC: true, Params: ps(0x00, "06042400")}, prefixesOK: true,
	},
	{
		name: "unknown message type 0x5a kept raw",
		in:   "0500 5a 010203",
		want: Message{Type: 0x5a, CIC: 5, HasCIC: true, Params: ps(0x00, "010203")}, prefixesOK: true,
	},
	{
		name: "unknown message type without content",
		in:   "0500 5a",
		want: Message{Type: 0x5a, CIC: 5, HasCIC: true}, prefixesOK: true,
	},
	{
		name: "ITU CIC keeps 12 bits",
		in:   "ffff 10 00",
		want: Message{Type: RLC, CIC: 0x0fff, HasCIC: true},
	},
	{
		name: "ANSI CIC keeps 14 bits", variant: ANSI,
		in:   "ffff 10 00",
		want: Message{Variant: ANSI, Type: RLC, CIC: 0x3fff, HasCIC: true},
	},
	{
		name: "ANSI CVR", variant: ANSI,
		in:   "0500 eb 01 02 00",
		want: Message{Variant: ANSI, Type: CVR, CIC: 5, HasCIC: true, Params: ps(0xe6, "01", 0xe5, "02")},
	},
	{
		name: "ANSI CRM", variant: ANSI,
		in:   "0500 ea 10",
		want: Message{Variant: ANSI, Type: CRM, CIC: 5, HasCIC: true, NatureOfConnection: 0x10, Params: ps(0x06, "10")},
	},
	{name: "ANSI CVT", variant: ANSI, in: "0500 ec", want: Message{Variant: ANSI, Type: CVT, CIC: 5, HasCIC: true}},
	{
		name: "ITU REL in a SIP-I body", body: true,
		in:   "0c 02 00 02 8291",
		want: Message{Type: REL, Cause: Cause{Location: 2, Value: 17}, HasCause: true, Params: ps(0x12, "8291")},
	},
}

func allCases() []decodeCase { return append(append([]decodeCase{}, corpusCases...), tableCases...) }

func decode(m *Message, c decodeCase, b []byte) error {
	if c.body {
		return m.DecodeBody(b, c.variant)
	}
	return m.Decode(b, c.variant)
}

func TestDecode(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			var m Message
			b := hx(c.in)
			if err := decode(&m, c, b); err != nil {
				t.Fatalf("Decode(%x) error %v", b, err)
			}
			if diff := cmp.Diff(c.want, m, cmpOpts); diff != "" {
				t.Errorf("Decode(%x) mismatch (-want +got):\n%s", b, diff)
			}
		})
	}
}

// TestCorpusFixtures checks that each fixture above really is in the
// capture it names.
func TestCorpusFixtures(t *testing.T) {
	files := map[string]string{
		"tcpdump isup.pcap": "tcpdump/isup.pcap",
		"arkime":            "arkime/m3ua_synthetic.pcap",
		"sip-i.pcap":        "sip-capture/sip-i.pcap",
	}
	for _, c := range corpusCases {
		for key, rel := range files {
			if !strings.HasPrefix(c.name, key) {
				continue
			}
			raw, err := os.ReadFile(testcorpus.File(t, rel))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(raw, hx(c.in)) {
				t.Errorf("%s: fixture %s not found in %s", c.name, c.in, rel)
			}
		}
	}
}

func TestTruncatedEveryOffset(t *testing.T) {
	for _, c := range allCases() {
		if c.prefixesOK {
			continue
		}
		b := hx(c.in)
		for i := 0; i < len(b); i++ {
			var m Message
			err := decode(&m, c, b[:i])
			if !errors.Is(err, ErrTruncated) {
				t.Errorf("%s: Decode(%x) (first %d bytes) = %v, want ErrTruncated", c.name, b[:i], i, err)
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		variant Variant
		in      string
		sent    error
		code    ParamCode
		offset  int
	}{
		{"zero pointer to mandatory variable", ITU, "0500 0c 00 00 028090", ErrMalformed, ParamCauseIndicators, 3},
		{"pointer into the pointer field", ITU, "0500 0c 01 00 028090", ErrMalformed, ParamCauseIndicators, 3},
		{"pointer past the end", ITU, "0500 0c 09 00 028090", ErrTruncated, ParamCauseIndicators, 3},
		{"length past the end", ITU, "0500 0c 02 00 058090", ErrTruncated, ParamCauseIndicators, 5},
		{"optional pointer past the end", ITU, "0500 06 0424 05", ErrTruncated, ParamEndOfOptional, 10},
		{"missing end of optional parameters", ITU, "0500 06 0424 01 2901 01", ErrTruncated, ParamEndOfOptional, 9},
		{"optional parameter length past the end", ITU, "0500 06 0424 01 2905 01 00", ErrTruncated, ParamOptionalBackwardCallInd, 6},
		{"optional parameter without length", ITU, "0500 06 0424 01 29", ErrTruncated, ParamOptionalBackwardCallInd, 6},
		{"fixed part cut", ITU, "0500 06 04", ErrTruncated, ParamBackwardCallIndicators, 3},
		{"pointers cut", ITU, "0500 0c", ErrTruncated, ParamCauseIndicators, 3},
		{"mandatory called number too short", ITU, "0500 01 00 0000 0a 00 02 00 01 03", ErrMalformed, ParamCalledPartyNumber, 11},
		{"mandatory cause too short", ITU, "0500 0c 02 00 01 80", ErrMalformed, ParamCauseIndicators, 6},
		{"cause with recommendation but no value", ITU, "0500 0c 02 00 02 0280", ErrMalformed, ParamCauseIndicators, 6},
		{"ANSI IAM zero pointer to called number", ANSI, "0500 01 00 0000 0a 03 00 00 02 9090", ErrMalformed, ParamCalledPartyNumber, 8},
	} {
		var m Message
		b := hx(tc.in)
		err := m.Decode(b, tc.variant)
		if !errors.Is(err, tc.sent) {
			t.Errorf("%s: Decode(%x) = %v, want %v", tc.name, b, err, tc.sent)
			continue
		}
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("%s: Decode(%x) = %v, want a *ParamError", tc.name, b, err)
			continue
		}
		if pe.Code != tc.code || pe.Offset != tc.offset {
			t.Errorf("%s: Decode(%x) = %v, want code %v offset %d", tc.name, b, err, tc.code, tc.offset)
		}
	}
}

func TestShortInputs(t *testing.T) {
	var m Message
	for _, in := range []string{"", "05", "0500"} {
		if err := m.Decode(hx(in), ITU); !errors.Is(err, ErrTruncated) {
			t.Errorf("Decode(%s) = %v, want ErrTruncated", in, err)
		}
	}
	if err := m.DecodeBody(nil, ITU); !errors.Is(err, ErrTruncated) {
		t.Errorf("DecodeBody(nil) = %v, want ErrTruncated", err)
	}
}

func TestParamErrorString(t *testing.T) {
	e := &ParamError{Code: ParamCalledPartyNumber, Offset: 9, Err: ErrTruncated}
	if got, want := e.Error(), "isup: called party number at offset 9: truncated message"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &ParamError{Code: ParamEndOfOptional, Offset: 4, Err: ErrMalformed}
	if got, want := e.Error(), "isup: optional part at offset 4: malformed message"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestReuseResetsFields(t *testing.T) {
	var m Message
	if err := m.Decode(hx(corpusCases[0].in), ITU); err != nil {
		t.Fatal(err)
	}
	if err := m.Decode(hx("d5001000"), ITU); err != nil {
		t.Fatal(err)
	}
	want := Message{Type: RLC, CIC: 213, HasCIC: true}
	if diff := cmp.Diff(want, m, cmpOpts); diff != "" {
		t.Errorf("IAM then RLC into one Message (-want +got):\n%s", diff)
	}
}

func TestNumberDigits(t *testing.T) {
	for _, tc := range []struct {
		in     string
		kind   numberKind
		digits string
		st     bool
	}{
		{"0310 21 43", kindCalled, "1234", false},
		{"8310 21 03", kindCalled, "123", false},   // odd: filler dropped
		{"8310 21 0b", kindCalled, "12*", false},   // code 11
		{"0310 21 cb", kindCalled, "12*#", false},  // code 12
		{"0310 21 f3", kindCalled, "123", true},    // ST in the last signal
		{"0310 f1", kindCalled, "1", true},         // ST as the second signal
		{"0310 a1 ed", kindCalled, "1ADE", false},  // spare codes
		{"0310", kindCalled, "", false},            // no signals
		{"80 21 03", kindSubsequent, "123", false}, // subsequent number
		{"0310" + strings.Repeat("21", 20), kindCalled, strings.Repeat("12", 16), false},
	} {
		var n Number
		if !decodeNumber(&n, hx(tc.in), tc.kind) {
			t.Errorf("decodeNumber(%s) failed", tc.in)
			continue
		}
		if n.Digits.String() != tc.digits || n.ST != tc.st || n.String() != tc.digits {
			t.Errorf("decodeNumber(%s) = %q ST %v, want %q ST %v", tc.in, n.Digits, n.ST, tc.digits, tc.st)
		}
	}
	var n Number
	decodeNumber(&n, hx("0310"+strings.Repeat("21", 20)), kindCalled)
	if !n.Digits.Overflow() || n.Digits.Len() != MaxDigits {
		t.Errorf("40 digits: Overflow %v Len %d, want true %d", n.Digits.Overflow(), n.Digits.Len(), MaxDigits)
	}
	if decodeNumber(&n, hx("03"), kindCalled) {
		t.Errorf("decodeNumber(03) succeeded, want failure")
	}
	if got := string(n.Digits.AppendTo([]byte("tel:"))); got != "tel:" {
		t.Errorf("AppendTo after reset = %q", got)
	}
}

func TestMessageTypeString(t *testing.T) {
	want := map[MessageType]string{
		0x01: "IAM", 0x02: "SAM", 0x03: "INR", 0x04: "INF", 0x05: "COT", 0x06: "ACM", 0x07: "CON",
		0x08: "FOT", 0x09: "ANM", 0x0c: "REL", 0x0d: "SUS", 0x0e: "RES", 0x10: "RLC", 0x11: "CCR",
		0x12: "RSC", 0x13: "BLO", 0x14: "UBL", 0x15: "BLA", 0x16: "UBA", 0x17: "GRS", 0x18: "CGB",
		0x19: "CGU", 0x1a: "CGBA", 0x1b: "CGUA", 0x1c: "CMR", 0x1d: "CMC", 0x1e: "CMRJ", 0x1f: "FAR",
		0x20: "FAA", 0x21: "FRJ", 0x24: "LPA", 0x27: "DRS", 0x28: "PAM", 0x29: "GRA", 0x2a: "CQM",
		0x2b: "CQR", 0x2c: "CPG", 0x2d: "USR", 0x2e: "UCIC", 0x2f: "CFN", 0x30: "OLM", 0x31: "CRG",
		0x32: "NRM", 0x33: "FAC", 0x34: "UPT", 0x35: "UPA", 0x36: "IDR", 0x37: "IRS", 0x38: "SGM",
		0x40: "LOP", 0x41: "APM", 0x42: "PRI", 0x43: "SDN",
		0xe9: "CRA", 0xea: "CRM", 0xeb: "CVR", 0xec: "CVT", 0xed: "EXM",
	}
	for i := 0; i < 256; i++ {
		mt := MessageType(i)
		w, ok := want[mt]
		if !ok {
			w = "0x" + hex.EncodeToString([]byte{byte(i)})
		}
		if got := mt.String(); got != w {
			t.Errorf("MessageType(%#x).String() = %q, want %q", i, got, w)
		}
		if mt.Known() != ok {
			t.Errorf("MessageType(%#x).Known() = %v, want %v", i, mt.Known(), ok)
		}
	}
	if got := MessageType(0x5a).String(); got != "0x5a" {
		t.Errorf("0x5a String = %q", got)
	}
}

func TestCircuitSupervision(t *testing.T) {
	yes := map[MessageType]bool{BLO: true, UBL: true, BLA: true, UBA: true, GRS: true, GRA: true, CGB: true,
		CGU: true, CGBA: true, CGUA: true, RSC: true, UCIC: true, CQM: true, CQR: true, LPA: true, CCR: true,
		CVT: true, CVR: true}
	for i := 0; i < 256; i++ {
		if got := MessageType(i).CircuitSupervision(); got != yes[MessageType(i)] {
			t.Errorf("%v.CircuitSupervision() = %v, want %v", MessageType(i), got, !got)
		}
	}
}

func TestParamCodeString(t *testing.T) {
	for _, tc := range []struct {
		c    ParamCode
		want string
	}{
		{ParamCalledPartyNumber, "called party number"}, {ParamCauseIndicators, "cause indicators"},
		{ParamPropagationDelayCounter, "propagation delay counter"}, {ParamLocationNumber, "location number"},
		{ParamGenericNumber, "generic number"}, {ParamCarrierIdentification, "carrier identification"},
		{ParamCallingGeodeticLocation, "calling geodetic location"}, {ParamHTRInformation, "HTR information"},
		{0xf4, "0xf4"}, {0x14, "0x14"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("ParamCode(%#x).String() = %q, want %q", uint8(tc.c), got, tc.want)
		}
	}
}

func TestParseVariant(t *testing.T) {
	for _, tc := range []struct {
		version, base string
		want          Variant
	}{
		{"ansi88", "ansi88", ANSI}, {"ansi92", "", ANSI}, {"ANSI95", "", ANSI}, {"gr317", "", ANSI},
		{"itu-t92+", "itu-t92+", ITU}, {"itu-t88", "", ITU}, {"etsi121", "", ITU}, {"", "", ITU},
		{"X-NetxProprietaryISUPv3", "ansi92", ANSI}, {"X-NetxProprietaryISUPv3", "", ITU},
		{"ansi88", "itu-t92+", ITU}, {"ansi92", "unknown-base", ANSI}, {`"ansi88"`, "", ANSI},
		{"spirou", "", ITU}, {"t1.113", "", ANSI},
	} {
		if got := ParseVariant(tc.version, tc.base); got != tc.want {
			t.Errorf("ParseVariant(%q, %q) = %v, want %v", tc.version, tc.base, got, tc.want)
		}
	}
}

func TestParamLookup(t *testing.T) {
	var m Message
	if err := m.Decode(hx(corpusCases[0].in), ITU); err != nil {
		t.Fatal(err)
	}
	if d, ok := m.Param(0xf4); !ok || !bytes.Equal(d, hx("6476c32881")) {
		t.Errorf("Param(0xf4) = %x, %v", d, ok)
	}
	if _, ok := m.Param(ParamHopCounter); ok {
		t.Errorf("Param(hop counter) found in a message without one")
	}
}

func TestAllocsPerRun(t *testing.T) {
	iam := hx(corpusCases[0].in)
	rel := hx(tableCases[11].in)
	body := hx(corpusCases[8].in)
	var m Message
	n := testing.AllocsPerRun(200, func() {
		_ = m.Decode(iam, ITU)
		_ = m.Decode(rel, ITU)
		_ = m.DecodeBody(body, ANSI)
		_ = m.Type.String()
		_ = ParseVariant("ansi88", "ansi88")
	})
	if n != 0 {
		t.Errorf("Decode allocs = %v, want 0", n)
	}
}

func BenchmarkDecodeIAM(b *testing.B) {
	in := hx(corpusCases[0].in)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if err := m.Decode(in, ITU); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeREL(b *testing.B) {
	in := hx(corpusCases[4].in)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if err := m.Decode(in, ITU); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeIAMFresh(b *testing.B) {
	in := hx(corpusCases[0].in)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		var m Message
		if err := m.Decode(in, ITU); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, c := range allCases() {
		f.Add(hx(c.in), uint8(c.variant), c.body)
	}
	var reused Message
	// Dirty the reused value so that a missed reset shows.
	_ = reused.Decode(hx(corpusCases[0].in), ITU)
	f.Fuzz(func(t *testing.T, b []byte, v uint8, body bool) {
		variant := Variant(v % 2)
		var fresh Message
		var errFresh, errReused error
		if body {
			errFresh = fresh.DecodeBody(b, variant)
			errReused = reused.DecodeBody(b, variant)
		} else {
			errFresh = fresh.Decode(b, variant)
			errReused = reused.Decode(b, variant)
		}
		if (errFresh == nil) != (errReused == nil) || (errFresh != nil && errFresh.Error() != errReused.Error()) {
			t.Fatalf("errors differ: fresh %v, reused %v", errFresh, errReused)
		}
		if errFresh != nil && !errors.Is(errFresh, ErrTruncated) && !errors.Is(errFresh, ErrMalformed) {
			t.Fatalf("error %v wraps no sentinel", errFresh)
		}
		if diff := cmp.Diff(fresh, reused, cmpOpts); diff != "" {
			t.Fatalf("reused differs from fresh (-fresh +reused):\n%s", diff)
		}
	})
}
