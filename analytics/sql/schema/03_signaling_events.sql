-- signaling_events: one row per decoded signaling message (the
-- `callsight replay --format events` lines). Keyed by capture file, frame
-- and message (two SIP messages can share a frame), so a replayed file
-- does not double its events.
CREATE TABLE IF NOT EXISTS {{table "signaling_events"}} {{onCluster}}
(
    ts        {{time}} {{codec "DoubleDelta, LZ4"}},
    file      {{lc "String"}},
    frame     UInt64,
    proto     Enum8('isup' = 1, 'sip' = 2, 'm3ua' = 3, 'gtpv1' = 4, 'gtpv2' = 5, 'other' = 0),
    type      {{lc "String"}} DEFAULT '',
    code      UInt16 DEFAULT 0,
    method    {{lc "String"}} DEFAULT '',
    status    UInt16 DEFAULT 0,
    cseq_method {{lc "String"}} DEFAULT '',
    call_id   String DEFAULT '',
    opc       UInt32 DEFAULT 0,
    dpc       UInt32 DEFAULT 0,
    cic       UInt16 DEFAULT 0,
    cic_range UInt8 DEFAULT 0,
    cause     Nullable(UInt8),
    network   UInt8 DEFAULT 0,
    carrier   {{lc "String"}} DEFAULT '',
    reasons   Array(String)
)
ENGINE = {{engine "ReplacingMergeTree" "signaling_events"}}
PARTITION BY toYYYYMM(ts)
ORDER BY (proto, toStartOfHour(ts), file, frame, type, method, status, cseq_method, call_id, cic)
{{ttl "ts"}}
{{settings}}
