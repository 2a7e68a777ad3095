package siprec

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scenarioMessages returns the messages the SIPp scenario sends, in
// order, with SIPp's keywords filled in for a client at local talking to
// remote over transport.
func scenarioMessages(t *testing.T, local, remote *net.TCPAddr, mediaPort int, peerTag func() string) []func() []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/siprec_client.xml")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []func() []byte
	for _, m := range regexp.MustCompile(`(?s)<!\[CDATA\[(.*?)\]\]>`).FindAllStringSubmatch(string(raw), -1) {
		text := strings.TrimLeft(m[1], "\n")
		msgs = append(msgs, func() []byte {
			head, body, _ := strings.Cut(text, "\n\n")
			body = strings.ReplaceAll(body, "\n", "\r\n")
			r := strings.NewReplacer(
				"[remote_ip]", remote.IP.String(), "[remote_port]", strconv.Itoa(remote.Port),
				"[local_ip]", local.IP.String(), "[local_port]", strconv.Itoa(local.Port),
				"[transport]", "TCP", "[branch]", fmt.Sprintf("z9hG4bK-%d", time.Now().UnixNano()),
				"[pid]", "1", "[call_number]", "1", "[call_id]", "tcp-rec-1@callsight.test",
				"[local_ip_type]", "4", "[media_ip_type]", "4", "[media_ip]", local.IP.String(),
				"[media_port]", strconv.Itoa(mediaPort), "[peer_tag_param]", peerTag(),
			)
			body = r.Replace(body)
			head = strings.ReplaceAll(r.Replace(head), "[len]", strconv.Itoa(len(body)))
			return []byte(strings.ReplaceAll(head, "\n", "\r\n") + "\r\n\r\n" + body)
		})
	}
	return msgs
}

// readResponse reads one SIP response from a TCP stream: its status, the
// To header's tag and the body.
func readResponse(r *bufio.Reader) (code int, toTag string, body []byte, err error) {
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		return 0, "", nil, err
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "SIP/2.0" {
		return 0, "", nil, fmt.Errorf("status line %q", line)
	}
	code, _ = strconv.Atoi(f[1])
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return 0, "", nil, err
	}
	if _, tag, ok := strings.Cut(h.Get("To"), ";tag="); ok {
		toTag, _, _ = strings.Cut(tag, ";")
	}
	n, _ := strconv.Atoi(h.Get("Content-Length"))
	body = make([]byte, n)
	_, err = io.ReadFull(r, body)
	return code, toTag, body, err
}

// TestRecordingOverTCP records a session over SIP/TCP with a Go client
// that sends the SIPp scenario's messages on one connection: INVITE
// (multipart SDP + metadata), ACK, RTP on the caller's stream, re-INVITE,
// ACK, BYE. Every response comes back on that connection, the session is
// reported with the metadata's call, the RTP arrives, and BYE ends it.
func TestRecordingOverTCP(t *testing.T) {
	srv, rec := recordingServer(t, 41200, 41300)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeTCP(ctx, ln) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ServeTCP: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("ServeTCP did not return")
		}
	}()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(conn)
	peerTag := ""
	msgs := scenarioMessages(t, conn.LocalAddr().(*net.TCPAddr), ln.Addr().(*net.TCPAddr), 6000, func() string {
		if peerTag == "" {
			return ""
		}
		return ";tag=" + peerTag
	})
	if len(msgs) != 5 {
		t.Fatalf("scenario has %d messages, want 5 (INVITE ACK INVITE ACK BYE)", len(msgs))
	}
	// final sends msg and returns the final response's status and body.
	final := func(msg []byte) (int, []byte) {
		t.Helper()
		if _, err := conn.Write(msg); err != nil {
			t.Fatal(err)
		}
		for {
			code, tag, body, err := readResponse(rd)
			if err != nil {
				t.Fatalf("reading the response to %.20q: %v", msg, err)
			}
			if code >= 200 {
				if tag != "" {
					peerTag = tag
				}
				return code, body
			}
		}
	}
	code, answer := final(msgs[0]())
	if code != 200 {
		t.Fatalf("INVITE: %d %s", code, answer)
	}
	m := regexp.MustCompile(`m=audio (\d+) `).FindSubmatch(answer)
	if m == nil {
		t.Fatalf("answer without a media port:\n%s", answer)
	}
	port, _ := strconv.Atoi(string(m[1]))
	conn.Write(msgs[1]()) // ACK

	rtp, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	const nRTP = 50
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, 8
	for i := range nRTP {
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(160*i))
		rtp.Write(pkt)
	}
	rtp.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		rec.mu.Lock()
		got := rec.perStream[0]
		rec.mu.Unlock()
		if got >= nRTP || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}

	if code, body := final(msgs[2]()); code != 200 {
		t.Fatalf("re-INVITE: %d %s", code, body)
	}
	conn.Write(msgs[3]()) // ACK
	if code, body := final(msgs[4]()); code != 200 {
		t.Fatalf("BYE: %d %s", code, body)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.sessions) != 2 {
		t.Fatalf("OnSession called %d times, want 2 (INVITE, re-INVITE)", len(rec.sessions))
	}
	s := rec.sessions[0]
	if s.ID != "tcp-rec-1@callsight.test" || len(s.OriginalCallIDs) != 1 || s.OriginalCallIDs[0] != "orig-call-42@10.10.1.10" ||
		s.Caller != "+33123456789" || s.Callee != "+33987654321" || len(s.Streams) != 2 ||
		s.Streams[0].Role != RoleCaller || s.Streams[1].Role != RoleCallee || int(s.Streams[0].Local.Port()) != port {
		t.Errorf("session = %+v", s)
	}
	if rec.sessions[1].Streams[0].Local != s.Streams[0].Local {
		t.Errorf("re-INVITE moved stream 0 from %v to %v", s.Streams[0].Local, rec.sessions[1].Streams[0].Local)
	}
	if rec.perStream[0] != nRTP || rec.perStream[1] != 0 {
		t.Errorf("RTP packets per stream = %v, want %d on stream 0", rec.perStream, nRTP)
	}
	if len(rec.ended) != 1 || rec.ended[0] != s.ID {
		t.Errorf("rec.ended = %v, want [%s]", rec.ended, s.ID)
	}
}
