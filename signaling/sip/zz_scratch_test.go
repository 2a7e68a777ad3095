package sip

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestScratchTshark(t *testing.T) {
	files, _ := filepath.Glob("/tmp/sipx/*.txt")
	if len(files) == 0 || os.Getenv("SIPX") == "" {
		t.Skip()
	}
	for _, fn := range files {
		f, _ := os.Open(fn)
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		bad, n := 0, 0
		for sc.Scan() {
			c := strings.Split(sc.Text(), "|")
			hx := c[1]
			if hx == "" {
				hx = c[2]
			}
			raw, _ := hex.DecodeString(hx)
			var msgs [][]byte
			if c[1] == "" {
				var fr Framer
				fr.Write(raw, func(b []byte) { msgs = append(msgs, append([]byte(nil), b...)) })
				if len(msgs) == 0 {
					msgs = append(msgs, raw)
				}
			} else {
				msgs = [][]byte{raw}
			}
			var m Message
			err := m.Decode(msgs[0])
			n++
			if !LooksLikeSIP(msgs[0]) {
				t.Logf("%s frame %s: LooksLikeSIP false: %q", fn, c[0], msgs[0][:min(60, len(msgs[0]))])
			}
			got := []string{m.Method, strconv.Itoa(m.Status), strconv.Itoa(int(m.CSeq)), m.CallID, "", m.FromUser, m.ToUser, m.FromTag, m.ToTag, m.Branch, m.RequestURIUser, strconv.Itoa(int(m.RSeq)), m.PAIUser}
			if len(m.Reasons) > 0 {
				got[4] = strconv.Itoa(m.Reasons[0].Cause)
			}
			want := c[3:16]
			if m.Request {
				got[1] = ""
			} else {
				got[0] = ""
				got[10] = ""
			}
			if want[11] == "" {
				want[11] = "0"
			}
			diff := ""
			for i := range want {
				if got[i] != want[i] {
					diff += fmt.Sprintf(" [%d] got %q want %q;", i, got[i], want[i])
				}
			}
			if diff != "" || err != nil {
				bad++
				t.Logf("%s frame %s: err=%v diff:%s", filepath.Base(fn), c[0], err, diff)
			}
		}
		t.Logf("%s: %d msgs, %d mismatches", filepath.Base(fn), n, bad)
		f.Close()
	}
}
