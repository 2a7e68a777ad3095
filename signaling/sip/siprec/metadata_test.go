package siprec

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scenarioBody returns the INVITE body of testdata/siprec_client.xml with
// SIPp's keywords filled in.
func scenarioBody(t *testing.T) (contentType string, body []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/siprec_client.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	s = s[strings.Index(s, "--callsight-boundary"):]
	s = s[:strings.Index(s, "--callsight-boundary--")+len("--callsight-boundary--")]
	r := strings.NewReplacer("[local_ip_type]", "4", "[media_ip_type]", "4", "[local_ip]", "127.0.0.1", "[media_ip]", "127.0.0.1", "[media_port]", "6000", "\n", "\r\n")
	return "multipart/mixed;boundary=callsight-boundary", []byte(r.Replace(s))
}

func TestSplitBodyAndMetadata(t *testing.T) {
	ct, body := scenarioBody(t)
	sdp, md, err := SplitBody(ct, body)
	if err != nil {
		t.Fatalf("SplitBody: %v", err)
	}
	offer, err := parseOffer(sdp)
	if err != nil || len(offer) != 2 || offer[0].label != "1" || offer[1].label != "2" || offer[0].port != 6000 || offer[0].rtpmap[8] != "PCMA/8000" {
		t.Fatalf("parseOffer = %+v, %v", offer, err)
	}
	m, err := ParseMetadata(md)
	if err != nil {
		t.Fatalf("ParseMetadata: %v", err)
	}
	want := &Metadata{
		SessionIDs: []string{"ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2"},
		CallIDs:    []string{"orig-call-42@10.10.1.10"},
		Participants: []Participant{
			{ID: "srfBElmCRp2QB23b7Mpk0w==", AOR: "sip:+33123456789@example.com;user=phone", Name: "Alice", Number: "+33123456789",
				Send: []string{"UAAMm5GRQKSCMVvLyl4rFw=="}, Recv: []string{"i1Pz3to5hGk8fuXl+PbwCw=="}},
			{ID: "zSfPoSvdSDCmU3A3TRDxAw==", AOR: "tel:+33987654321", Number: "+33987654321",
				Send: []string{"i1Pz3to5hGk8fuXl+PbwCw=="}, Recv: []string{"UAAMm5GRQKSCMVvLyl4rFw=="}},
		},
		Streams: []Stream{{ID: "UAAMm5GRQKSCMVvLyl4rFw==", Label: "1"}, {ID: "i1Pz3to5hGk8fuXl+PbwCw==", Label: "2"}},
	}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("ParseMetadata (-want +got):\n%s", d)
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := ParseMetadata([]byte("<recording><unclosed>")); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseMetadata(unclosed) = %v, want ErrMalformed", err)
	}
	if _, err := ParseMetadata([]byte("<html/>")); !errors.Is(err, ErrMalformed) {
		t.Errorf("ParseMetadata(html) = %v, want ErrMalformed", err)
	}
	if _, _, err := SplitBody("text/plain", nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("SplitBody(text/plain) = %v, want ErrMalformed", err)
	}
	if _, err := parseOffer([]byte("v=0\r\n")); !errors.Is(err, ErrMalformed) {
		t.Errorf("parseOffer(no media) = %v, want ErrMalformed", err)
	}
	if _, err := parseOffer([]byte("m=audio x RTP/AVP 0\r\n")); !errors.Is(err, ErrMalformed) {
		t.Errorf("parseOffer(bad port) = %v, want ErrMalformed", err)
	}
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`<recording xmlns='urn:ietf:params:xml:ns:recording:1'><participant participant_id="a"><nameID aor="sip:1@x"/></participant></recording>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseMetadata(b)
		parseOffer(b)
		SplitBody("multipart/mixed;boundary=x", b)
	})
}
