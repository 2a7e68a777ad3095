package m3ua

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/wmnsk/go-m3ua/messages"

	"github.com/callsight/callsight/internal/testcorpus"
	"github.com/callsight/callsight/internal/testpcap"
)

func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		tb.Fatalf("bad hex fixture: %v", err)
	}
	return b
}

// Wire fixtures: SCTP user data (PPID 3) of real captures.
const (
	// tcpdump/isup.pcap frame 1: draft 6 DATA, Protocol Data 1, ISUP IAM CIC 213.
	hexDraftIAM = "010001010000005400020049c583af405bd5000100a0010a02020705819084190f0a070317933393798008018003057c038890a61d038890a6310200643f06039300060010f4056476c328813902f49000000000"
	// tcpdump/isup.pcap frame 5: draft 6 DATA, ISUP REL cause 16.
	hexDraftREL = "010001010000001c00020011c583af405bd5000c0200028090000000"
	// arkime/m3ua_synthetic.pcap frame 10: RFC 4666 DATA, ISUP ACM CIC 1.
	hexACM = "010001010000002402100019000000c80000019005000000010006110000020a00000000"
	// arkime/m3ua_synthetic.pcap frame 84: ASPUP.
	hexASPUP = "0100030100000008"
	// arkime/m3ua_synthetic.pcap frame 85: ASPUP_ACK.
	hexASPUPAck = "0100030400000008"
	// pycrate/tcapmap_pcapr.reconstructed.pcap frame 86: DATA with Routing Context 3113, SCCP UDT.
	hexSCCPRC = "01000101000000800006000800000c290210006e0000083900000c29030200020980030b1308920600120444314508920700120444112246624448042c5b001c6b1a2818060700118605010101a00d600ba1090607040000010001036c20a11e0201000201023016040800011153567658f18104914411220404914411220000"
	// pycrate/tcapmap_pcapr.reconstructed.pcap frame 87: DATA with Network Appearance 0, SCCP UDT.
	hexSCCPNA = "01000101000000b00200000800000000021000a000000c2900000839030200060980030b1308920700120444112208920600120444314578657648041100000d49042c5b001c6b262824060700118605010101a0196117a109060704000001000103a203020100a305a1030201006c40a13e02010102010730368107919187168479f382010a830100a60c040111040112040121040122a713a309040112840100820100a30604011484010093020000"
)

type decodeCase struct {
	name string
	in   string // hex
	want Message
	err  error
}

func decodeCases(tb testing.TB) []decodeCase {
	acm := unhex(tb, hexACM)
	iam := unhex(tb, hexDraftIAM)
	rel := unhex(tb, hexDraftREL)
	sccpRC := unhex(tb, hexSCCPRC)
	sccpNA := unhex(tb, hexSCCPNA)
	return []decodeCase{
		{name: "draft6 IAM", in: hexDraftIAM, want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 84, Draft: true, Data: true,
			OPC: 11522, DPC: 12163, SI: SIISUP, NI: 3, SLS: 5, Payload: iam[17 : 17+64]}},
		{name: "draft6 REL", in: hexDraftREL, want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 28, Draft: true, Data: true,
			OPC: 11522, DPC: 12163, SI: SIISUP, NI: 3, SLS: 5, Payload: rel[17:25]}},
		{name: "RFC 4666 ISUP ACM", in: hexACM, want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 36, Data: true,
			OPC: 200, DPC: 400, SI: SIISUP, Payload: acm[24:33]}},
		{name: "SCCP with routing context", in: hexSCCPRC, want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 128, Data: true,
			OPC: 2105, DPC: 3113, SI: SISCCP, NI: 2, SLS: 2, RoutingContext: 3113, HasRoutingContext: true, Payload: sccpRC[32 : 32+94]}},
		{name: "SCCP with network appearance", in: hexSCCPNA, want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 176, Data: true,
			OPC: 3113, DPC: 2105, SI: SISCCP, NI: 2, SLS: 6, HasNetworkAppearance: true, Payload: sccpNA[32 : 32+144]}},
		{name: "ASPUP", in: hexASPUP, want: Message{Version: 1, Class: ClassASPSM, Type: 1, Length: 8}},
		{name: "ASPUP_ACK", in: hexASPUPAck, want: Message{Version: 1, Class: ClassASPSM, Type: 4, Length: 8}},
		{name: "DATA unknown tag kept", in: "01000101 0000002c 0099 0006 abcd 0000 0210 0019 000000c8 00000190 05000000 010006110000020a00 000000",
			want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 44, Data: true, OPC: 200, DPC: 400, SI: SIISUP,
				Payload: unhex(tb, "010006110000020a00"), Unknown: []uint16{0x0099}}},
		{name: "DATA correlation id, last padding missing", in: "01000101 00000021 0013 0008 00000007 0210 0011 00000001 00000002 0e010203 ff",
			want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 33, Data: true, OPC: 1, DPC: 2, SI: SIGCP, NI: 1, MP: 2, SLS: 3,
				CorrelationID: 7, HasCorrelationID: true, Payload: []byte{0xff}}},
		{name: "draft6 protocol data 2", in: "01000101 00000014 0003 000c 0a 8583af405b d500",
			want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 20, Draft: true, Data: true,
				OPC: 11522, DPC: 12163, SI: SIISUP, NI: 2, SLS: 5, Payload: []byte{0xd5, 0x00}}},
		{name: "DUNA", in: "01000201 00000018 0006 0008 00000001 0012 0008 00000c29",
			want: Message{Version: 1, Class: ClassSSNM, Type: 1, Length: 24, RoutingContext: 1, HasRoutingContext: true, AffectedPointCodes: []uint32{3113}}},
		{name: "NTFY", in: "01000001 00000018 000d 0008 00010002 0004 0007 617370 00",
			want: Message{Version: 1, Class: ClassMGMT, Type: 1, Length: 24, StatusType: 1, StatusInfo: 2, HasStatus: true, InfoString: []byte("asp")}},
		{name: "ERR", in: "01000000 00000010 000c 0008 00000001",
			want: Message{Version: 1, Class: ClassMGMT, Type: 0, Length: 16, ErrorCode: 1, HasErrorCode: true}},
		{name: "unknown class and tag", in: "01000507 00000010 7777 0008 00000000",
			want: Message{Version: 1, Class: 5, Type: 7, Length: 16, Unknown: []uint16{0x7777}}},
		{name: "two messages", in: hexASPUP + hexASPUPAck,
			want: Message{Version: 1, Class: ClassASPSM, Type: 1, Length: 8, Trailing: unhex(tb, hexASPUPAck)}},
		{name: "garbage after", in: hexASPUP + "dead",
			want: Message{Version: 1, Class: ClassASPSM, Type: 1, Length: 8, Trailing: []byte{0xde, 0xad}}},

		{name: "empty", in: "", err: ErrTruncated},
		{name: "short header", in: "01000301000000", err: ErrTruncated},
		{name: "version 2", in: "0200030100000008", want: Message{Version: 2, Class: ClassASPSM, Type: 1, Length: 8}, err: ErrVersion},
		{name: "zero length", in: "0100030100000000", want: Message{Version: 1, Class: ClassASPSM, Type: 1}, err: ErrMalformed},
		{name: "giant length", in: "01000301ffffffff", want: Message{Version: 1, Class: ClassASPSM, Type: 1, Length: 0xffffffff}, err: ErrTruncated},
		{name: "length beyond input", in: "010003010000000c", want: Message{Version: 1, Class: ClassASPSM, Type: 1, Length: 12}, err: ErrTruncated},
		{name: "parameter length 2", in: "01000101 0000000c 0210 0002", want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 12}, err: ErrMalformed},
		{name: "parameter beyond message", in: "01000101 00000010 0210 0010 00000000", want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 16}, err: ErrMalformed},
		{name: "parameter header cut", in: "01000301 0000000a 0006", want: Message{Version: 1, Class: ClassASPSM, Type: 1, Length: 10}, err: ErrMalformed},
		{name: "protocol data too short", in: "01000101 00000014 0210 000c 00000000 00000000",
			want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 20}, err: ErrMalformed},
		{name: "DATA without protocol data", in: "01000101 00000010 0006 0008 00000001",
			want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 16, RoutingContext: 1, HasRoutingContext: true}, err: ErrMalformed},
		{name: "draft6 label cut", in: "01000101 00000010 0002 000c c583af40",
			want: Message{Version: 1, Class: ClassTransfer, Type: TypeData, Length: 16}, err: ErrMalformed},
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range decodeCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, tc.in)
			var m Message
			err := m.Decode(in)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("Decode(%x) error = %v, want %v", in, err, tc.err)
			}
			if diff := cmp.Diff(tc.want, m, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Decode(%x) mismatch (-want +got):\n%s", in, diff)
			}
		})
	}
}

func TestDecodeTruncatedAtEveryOffset(t *testing.T) {
	for _, tc := range decodeCases(t) {
		if tc.err != nil {
			continue
		}
		full := unhex(t, tc.in)
		var m Message
		for i := 0; i < int(tc.want.Length); i++ {
			if err := m.Decode(full[:i]); !errors.Is(err, ErrTruncated) {
				t.Errorf("%s: Decode(first %d of %d bytes) error = %v, want ErrTruncated", tc.name, i, len(full), err)
			}
		}
	}
}

func TestName(t *testing.T) {
	for _, tc := range []struct {
		c    Class
		t    Type
		want string
	}{
		{ClassTransfer, TypeData, "DATA"}, {ClassASPSM, 1, "ASPUP"}, {ClassASPSM, 4, "ASPUP_ACK"}, {ClassASPTM, 1, "ASPAC"},
		{ClassSSNM, 1, "DUNA"}, {ClassSSNM, 2, "DAVA"}, {ClassMGMT, 1, "NTFY"}, {ClassMGMT, 0, "ERR"}, {ClassASPSM, 3, "BEAT"},
		{ClassRKM, 1, "REG_REQ"}, {ClassTransfer, 2, "UNKNOWN"}, {0, 0x11, "UNKNOWN"},
	} {
		if got := Name(tc.c, tc.t); got != tc.want {
			t.Errorf("Name(%d, %d) = %q, want %q", tc.c, tc.t, got, tc.want)
		}
	}
	for si, want := range map[ServiceIndicator]string{0: "SNM", 3: "SCCP", 5: "ISUP", 9: "B-ISUP", 10: "S-ISUP", 13: "BICC", 14: "GCP", 200: "SI(200)"} {
		if got := si.String(); got != want {
			t.Errorf("ServiceIndicator(%d).String() = %q, want %q", si, got, want)
		}
	}
}

// TestCorpusAgainstTshark decodes every SCTP user message with PPID 3 of the
// corpus captures and compares it with tshark's reading, kept in
// testdata/tshark.tsv. That file was made with (tshark 4.x):
//
//	tshark -r F -o sctp.tsn_analysis:FALSE -Y m3ua -T fields -e m3ua.message_class -e m3ua.message_type \
//	  -e m3ua.protocol_data_{opc,dpc,si,ni,mp,sls} -e frame.number
//	tshark -r F -o sctp.tsn_analysis:FALSE -o "m3ua.version:Internet Draft version 6" -Y 'm3ua && mtp3' -T fields \
//	  -e m3ua.message_class -e m3ua.message_type -e mtp3.{opc,dpc,service_indicator,network_indicator,sls} -e frame.number
//
// the second for the draft 6 frames (tcpdump/isup.pcap, arkime frame 81).
func TestCorpusAgainstTshark(t *testing.T) {
	type row struct{ class, typ, opc, dpc, si, ni, mp, sls string }
	want := map[string]map[int]row{}
	f, err := os.Open("testdata/tshark.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		fr, _ := strconv.Atoi(c[1])
		if want[c[0]] == nil {
			want[c[0]] = map[int]row{}
		}
		r := row{c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]}
		if len(c) > 10 && c[10] == "draft6" {
			r.mp = "0" // the SIO's spare bits; tshark does not show them
		}
		want[c[0]][fr] = r
	}
	for file, frames := range want {
		t.Run(file, func(t *testing.T) {
			segs := testpcap.ReadSegments(t, testcorpus.File(t, file))
			seen := 0
			var m Message
			for _, s := range segs {
				if s.Proto != 132 || s.PPID != 3 {
					continue
				}
				w, ok := frames[s.Frame]
				if !ok {
					t.Errorf("frame %d: M3UA that tshark did not list", s.Frame)
					continue
				}
				seen++
				err := m.Decode(s.Payload)
				if err != nil {
					t.Errorf("frame %d: Decode(%x) error = %v", s.Frame, s.Payload, err)
					continue
				}
				got := row{strconv.Itoa(int(m.Class)), strconv.Itoa(int(m.Type)), "", "", "", "", "", ""}
				if m.Data {
					got.opc, got.dpc = strconv.Itoa(int(m.OPC)), strconv.Itoa(int(m.DPC))
					got.si, got.ni = strconv.Itoa(int(m.SI)), strconv.Itoa(int(m.NI))
					got.mp, got.sls = strconv.Itoa(int(m.MP)), strconv.Itoa(int(m.SLS))
				}
				if got != w {
					t.Errorf("frame %d: got %+v, tshark %+v", s.Frame, got, w)
				}
			}
			if seen != len(frames) {
				t.Errorf("decoded %d M3UA messages, tshark lists %d", seen, len(frames))
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, tc := range decodeCases(f) {
		f.Add(unhex(f, tc.in))
	}
	reused := new(Message)
	if err := reused.Decode(unhex(f, "01000101 0000002c 0099 0006 abcd 0000 0210 0019 000000c8 00000190 05000000 010006110000020a00 000000")); err != nil {
		f.Fatal(err)
	}
	_ = reused.Decode(unhex(f, "01000201 00000018 0006 0008 00000001 0012 0008 00000c29"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fresh Message
		errFresh := fresh.Decode(b)
		errReused := reused.Decode(b)
		if (errFresh == nil) != (errReused == nil) {
			t.Fatalf("Decode(%x): fresh error %v, reused error %v", b, errFresh, errReused)
		}
		if diff := cmp.Diff(fresh, *reused, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("Decode(%x): reused differs from fresh (-fresh +reused):\n%s", b, diff)
		}
		if errFresh == nil && fresh.Data && len(fresh.Payload) > len(b) {
			t.Fatalf("Decode(%x): payload longer than input", b)
		}
	})
}

func BenchmarkDecodeData(b *testing.B) {
	for _, bc := range []struct{ name, hex string }{
		{"ISUP_ACM", hexACM}, {"SCCP_RC", hexSCCPRC}, {"draft6_IAM", hexDraftIAM},
		{"DUNA_via_go-m3ua", "01000201 00000018 0006 0008 00000001 0012 0008 00000c29"},
	} {
		in := unhex(b, bc.hex)
		b.Run(bc.name, func(b *testing.B) {
			var m Message
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if err := m.Decode(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGoM3UAParseData measures go-m3ua's own DATA parser on the same
// ACM, the reason DATA is walked in this package.
func BenchmarkGoM3UAParseData(b *testing.B) {
	in := unhex(b, hexACM)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		msg, err := messages.Parse(in)
		if err != nil {
			b.Fatal(err)
		}
		pd, err := msg.(*messages.Data).ProtocolData.ProtocolData()
		if err != nil || pd.ServiceIndicator != 5 {
			b.Fatal(err)
		}
	}
}

func TestDecodeDataAllocs(t *testing.T) {
	for _, h := range []string{hexACM, hexSCCPRC, hexSCCPNA, hexDraftIAM} {
		in := unhex(t, h)
		var m Message
		if n := testing.AllocsPerRun(200, func() { _ = m.Decode(in) }); n != 0 {
			t.Errorf("Decode(%x) allocates %v times per run, want 0", in[:16], n)
		}
	}
}
