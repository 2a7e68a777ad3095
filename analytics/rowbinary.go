package analytics

import (
	"encoding/binary"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/callsight/callsight/outcome"
)

// ClickHouse's RowBinary format, encoded here by hand (no reflection, one
// reused buffer). The write-ahead log records its rows in these forms (see
// wal.go); the embedded store is written in Native (native.go), which
// chDB parses an order of magnitude faster: RowBinary is read row by row,
// value by value, through each column's type.
//
//	String, LowCardinality(String)   uvarint length, bytes
//	UInt8/16/32/64, Int8/64          little-endian
//	Float32                          IEEE 754, little-endian
//	DateTime64(3)                    Int64 milliseconds since the epoch
//	Enum8                            Int8 value (from the schema's Enum8 list)
//	Nullable(T)                      1 for NULL; else 0 and T
//	Array(T)                         uvarint count, the elements
//
// Spec: ClickHouse documentation, "Formats for input and output data",
// RowBinary.

// rowBinary is a RowBinary encoder appending to a reused buffer.
type rowBinary struct{ b []byte }

func (e *rowBinary) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *rowBinary) u8(v uint8)   { e.b = append(e.b, v) }
func (e *rowBinary) u16(v uint16) { e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *rowBinary) u32(v uint32) { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *rowBinary) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *rowBinary) i64(v int64)  { e.u64(uint64(v)) }
func (e *rowBinary) f32(v float32) {
	e.u32(math.Float32bits(v))
}
func (e *rowBinary) time(t time.Time) { e.i64(t.UnixMilli()) }

func nullable[T any](e *rowBinary, p *T, put func(*rowBinary, T)) {
	if p == nil {
		e.u8(1)
		return
	}
	e.u8(0)
	put(e, *p)
}

func (e *rowBinary) pu8(p *uint8)    { nullable(e, p, (*rowBinary).u8) }
func (e *rowBinary) pu16(p *uint16)  { nullable(e, p, (*rowBinary).u16) }
func (e *rowBinary) pu32(p *uint32)  { nullable(e, p, (*rowBinary).u32) }
func (e *rowBinary) pi64(p *int64)   { nullable(e, p, (*rowBinary).i64) }
func (e *rowBinary) pf32(p *float32) { nullable(e, p, (*rowBinary).f32) }
func (e *rowBinary) ptime(p *outcome.Time) {
	if p == nil {
		e.u8(1)
		return
	}
	e.u8(0)
	e.time(p.Time)
}

func (e *rowBinary) strs(v []string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(v)))
	for _, s := range v {
		e.str(s)
	}
}

// enum8 writes s as the value the column's Enum8 gives it.
func (e *rowBinary) enum8(col, s string) error {
	v, ok := enums()[col][s]
	if !ok {
		return fmt.Errorf("analytics: %s %q is not in the schema's Enum8", col, s)
	}
	e.u8(uint8(v))
	return nil
}

var enumRE = regexp.MustCompile(`(?m)^\s*(\w+)\s+Enum8\(([^)]*)\)`)
var enumItemRE = regexp.MustCompile(`'((?:[^'\\]|\\.)*)'\s*=\s*(-?\d+)`)

// enums reads the Enum8 columns of the schema files: column name ->
// value name -> number. Columns of the same name agree (the tests check).
var enums = sync.OnceValue(func() map[string]map[string]int8 {
	out := map[string]map[string]int8{}
	names, _ := sqlFiles.ReadDir("sql/schema")
	for _, n := range names {
		b, err := sqlFiles.ReadFile("sql/schema/" + n.Name())
		if err != nil {
			continue
		}
		for _, m := range enumRE.FindAllStringSubmatch(string(b), -1) {
			vals := map[string]int8{}
			for _, it := range enumItemRE.FindAllStringSubmatch(m[2], -1) {
				v, err := strconv.ParseInt(it[2], 10, 8)
				if err != nil {
					continue
				}
				vals[it[1]] = int8(v)
			}
			out[m[1]] = vals
		}
	}
	return out
})

// callRowBinary appends r's columns, in callColumns' order.
func (e *rowBinary) call(r *CallRow) error {
	e.str(r.CallID)
	e.str(r.Tenant)
	e.str(r.Campaign)
	e.str(r.Calling)
	e.str(r.Called)
	e.time(r.StartTime.Time)
	e.ptime(r.AlertTime)
	e.ptime(r.AnswerTime)
	e.ptime(r.EndTime)
	if err := e.enum8("outcome", r.Outcome); err != nil {
		return err
	}
	e.pu8(r.Q850)
	e.pu16(r.SIPStatus)
	e.pi64(r.PDDMS)
	e.pi64(r.DurationMS)
	e.str(r.ReleasedBy)
	e.str(r.CauseName)
	e.str(r.CauseClass)
	e.str(r.CauseLocation)
	e.str(r.CauseSource)
	e.str(r.MappingProfile)
	e.pu8(r.ISUPCause)
	e.pu8(r.SIPICause)
	e.pu8(r.ReasonCause)
	e.b = binary.AppendUvarint(e.b, uint64(len(r.CausesValue)))
	for _, v := range r.CausesValue {
		e.u8(uint8(v))
	}
	e.circuitAndMedia(r)
	e.b = binary.AppendUvarint(e.b, uint64(len(r.EvidenceAt)))
	for _, t := range r.EvidenceAt {
		e.time(t.Time)
	}
	e.strs(r.EvidenceSource)
	e.strs(r.EvidenceWhat)
	return nil
}

// leg appends one leg of r, in legColumns' order.
func (e *rowBinary) leg(r *CallRow, l *LegRow) error {
	e.str(r.CallID)
	e.time(r.StartTime.Time)
	e.u8(l.Leg)
	if err := e.enum8("kind", l.Kind); err != nil {
		return err
	}
	e.str(l.SIPCallID)
	e.u32(l.OPC)
	e.u32(l.DPC)
	e.u16(l.CIC)
	e.u8(l.NI)
	e.strs(l.MediaSide)
	e.strs(l.MediaAddr)
	e.strs(l.MediaType)
	e.strs(l.MediaCodec)
	return nil
}

// event appends ev in eventColumns' order, or with network in
// netEventColumns'.
func (e *rowBinary) event(ev *Event, network bool) error {
	e.time(ev.TS.Time)
	e.str(ev.File)
	e.u64(ev.Frame)
	if err := e.enum8("proto", protoEnum(ev.Proto)); err != nil {
		return err
	}
	e.str(ev.Type)
	if network {
		e.u32(ev.OPC)
		e.u32(ev.DPC)
		e.u16(ev.CIC)
		e.u8(ev.Range)
		e.pu8(ev.Cause)
		return nil
	}
	e.u16(ev.Code)
	e.str(ev.Method)
	e.u16(ev.Status)
	e.str(ev.CSeqMethod)
	e.str(ev.CallID)
	e.u32(ev.OPC)
	e.u32(ev.DPC)
	e.u16(ev.CIC)
	e.u8(ev.Range)
	e.pu8(ev.Cause)
	e.u8(b2u(ev.Network))
	e.str(ev.Carrier)
	e.strs(ev.Reasons)
	return nil
}

// circuitAndMedia appends the columns from causes_source to decided_ms,
// which the RowBinary row and the write-ahead log record encode alike.
func (e *rowBinary) circuitAndMedia(r *CallRow) {
	e.strs(r.CausesSource)
	e.strs(r.LegKinds)
	e.u32(r.OPC)
	e.u32(r.DPC)
	e.u16(r.CIC)
	e.u8(r.NI)
	e.str(r.Trunk)
	e.str(r.Codec)
	e.pu32(r.MediaPackets)
	e.pf32(r.MediaLossPct)
	e.pf32(r.MediaJitterMS)
	e.str(r.AMDClass)
	e.pf32(r.AMDConfidence)
	e.pi64(r.BeepEndMS)
	e.pi64(r.DecidedMS)
}
