// Package media turns the RTP packets of one call direction into 8 kHz
// 16-bit PCM on an exact sample clock, for the streaming voicemail and
// announcement detector (package amd), and keeps the RFC 3550 receiver
// statistics of the stream.
//
// The engine binds RTP to calls through the SDP addresses and gives each
// direction its own Stream:
//
//	s := media.NewStream(media.DefaultConfig())
//	s.SetPayloadType(101, media.TelephoneEvent) // from the SDP rtpmap
//	for each UDP payload p captured at time ts:
//		err := s.Process(ts, p, func(pcm []int16, sample int64) { det.Write(pcm) })
//	s.Flush(out)
//	st := s.Stats() // loss, jitter, codec, Analysable, DTMF...
//
// # Sample clock
//
// Sample 0 is the capture time of the first packet (Stream.Start), or an
// earlier time given by StartAt before it (the engine gives the answer, for
// a leg answered before its first packet: the time between is silence).
// Within a
// segment (one SSRC, one sequence space, timestamps consistent with capture
// time) a packet lands at the sample its RTP timestamp says. A new segment
// starts on an SSRC change (early media from an announcement server, then
// the callee's stream after the answer), on a sequence restart (RFC 3550
// A.1: a jump confirmed by the next packet) and where the timestamps stop
// agreeing with capture time:
//   - by more than MaxGap;
//   - on a timestamp that runs ahead of the sequence (measured from the
//     source's highest packet so far, so a lost or overtaken marker packet
//     does not hide it) by more than 10 ms: a gateway that switches from
//     early media to the callee behind one SSRC jumps the timestamp by
//     whatever it chose, and trusting that jump would move every later
//     beep end by the difference. Within 10 ms (silence suppression on a
//     steady line) the timestamps are kept and the packet goes out at once;
//   - on a marker bit without a jump, by more than the source's RFC 3550
//     jitter (20 ms at least, at most about four reorder windows).
//
// A segment is anchored on capture time when its first packet is released,
// after the reorder window: at the median, over the packets held then, of
// capture time less timestamp, so one packet's jitter does not move it;
// where that agrees with the previous segment's timeline within 20 ms the
// timestamps keep placing the audio to the sample (and no resync is
// counted). Packets that overtook the one starting a segment belong to it.
// No audio is time-shifted beyond the reorder window.
//
// The PCM given to out is in order and never overlaps. Between packets the
// stream inserts exactly the missing duration: silence for lost packets,
// timestamp gaps (silence suppression) and the time taken by telephone
// events; comfort noise of the signaled level after a CN packet (RFC 3389,
// a deterministic xorshift generator seeded from the first SSRC). A gap is
// filled up to MaxGap; beyond it the sample index jumps to where the next
// packet belongs. The index also jumps over audio of codecs not decoded
// here. Idle says that no packet came up to a time: the quiet up to that
// time less a lag is filled as it comes, however long (a sender that
// suppresses silence without comfort noise sends nothing while its line is
// quiet, and the listener must hear the quiet before the next talkspurt);
// it is counted apart from concealed loss (Stats.QuietSamples).
//
// # Reordering
//
// Packets that arrive in sequence are emitted at once. A packet after a
// hole is held until the hole is filled, until some held packet has waited
// ReorderWindow of capture time, or until ReorderPackets are held; the
// first packet of each segment is held for the window, since nothing says
// what comes before it. A packet whose place was already emitted is counted
// in LateDropped; a second copy of a sequence number in Duplicates.
// Advance releases held packets when the caller has no packet to give.
//
// # Payload types
//
// PCMU (0) and PCMA (8) are decoded (package media/g711). CN (13) gives
// comfort noise. Telephone events (RFC 4733, dynamic, usually 101) are
// reported in Stats.DTMF with their start and end samples, one per event
// however many end packets repeat it, and never emitted as audio. Other
// codecs (G.722, G.729, Opus, AMR...) are recognised, never decoded, and
// make Stats.Analysable false. Payload types mapped to Unknown are counted
// and ignored. ptime is taken from the payload length (10-60 ms and more).
//
// # Statistics
//
// Per SSRC: RFC 3550 A.1 extended sequence numbers (wrap at 65535), A.3
// cumulative loss (expected - received, duplicates excluded) and A.8
// interarrival jitter on capture time (telephone events left out). On the
// corpus they agree with tshark's -z rtp,streams.
//
// Time comes only from the now arguments and RTP timestamps: a replay is
// deterministic. Process allocates nothing in the steady state.
package media
