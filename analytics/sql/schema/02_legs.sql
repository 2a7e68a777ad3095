-- legs: one row per signaling leg of a call, with the keys that identify
-- it and the media it announced in SDP.
CREATE TABLE IF NOT EXISTS {{table "legs"}} {{onCluster}}
(
    call_id      String,
    start_time   {{time}},
    leg          UInt8,
    kind         Enum8('sip' = 1, 'isup' = 2, 'sip-i' = 3),
    sip_call_id  String DEFAULT '',
    opc          UInt32 DEFAULT 0,
    dpc          UInt32 DEFAULT 0,
    cic          UInt16 DEFAULT 0,
    ni           UInt8 DEFAULT 0,
    media_side   Array(String),
    media_addr   Array(String),
    media_type   Array(String),
    media_codec  Array(String)
)
ENGINE = {{engine "ReplacingMergeTree" "legs"}}
PARTITION BY toYYYYMM(start_time)
ORDER BY (call_id, leg)
{{ttl "start_time"}}
{{settings}}
