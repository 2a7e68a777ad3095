-- calls: one row per call, every field of the replay JSONL contract plus
-- the labels (tenant, campaign), the circuit or trunk, the cause's
-- provenance, media statistics and the audio (AMD) features.
-- ReplacingMergeTree keyed by the sorting key, which ends with call_id:
-- a call written twice (retry, spool replay) is one row once merged, and
-- every report reads it with FINAL, so it counts once before the merge too.
CREATE TABLE IF NOT EXISTS {{table "calls"}} {{onCluster}}
(
    call_id          String,
    tenant           {{lc "String"}} DEFAULT '',
    campaign         {{lc "String"}} DEFAULT '',
    calling          String,
    called           String,
    start_time       {{time}} {{codec "DoubleDelta, LZ4"}},
    alert_time       Nullable({{time}}),
    answer_time      Nullable({{time}}),
    end_time         Nullable({{time}}),
    outcome          Enum8('unknown' = 0, 'human' = 1, 'machine' = 2, 'switched_off' = 3, 'busy' = 4, 'no_answer' = 5,
                           'unallocated' = 6, 'rejected' = 7, 'congestion' = 8, 'fax' = 9, 'silence' = 10, 'answered' = 11),
    q850             Nullable(UInt8),
    sip_status       Nullable(UInt16),
    pdd_ms           Nullable(Int64),
    duration_ms      Nullable(Int64),
    released_by      {{lc "String"}} DEFAULT '',
    -- the decisive cause and where it came from
    cause_name       {{lc "String"}} DEFAULT '',
    cause_class      {{lc "String"}} DEFAULT '',
    cause_location   {{lc "String"}} DEFAULT '',
    cause_source     {{lc "String"}} DEFAULT '',
    mapping_profile  {{lc "String"}} DEFAULT '',
    -- every raw cause seen, by source, for the mismatch report
    isup_cause       Nullable(UInt8),
    sipi_cause       Nullable(UInt8),
    reason_cause     Nullable(UInt8),
    causes_value     Array(UInt8),
    causes_source    Array(String),
    -- the circuit (first ISUP leg) or SIP trunk
    leg_kinds        Array(String),
    opc              UInt32 DEFAULT 0,
    dpc              UInt32 DEFAULT 0,
    cic              UInt16 DEFAULT 0,
    ni               UInt8 DEFAULT 0,
    trunk            {{lc "String"}} DEFAULT '',
    -- media (filled by audio analysis; NULL or empty until then)
    codec            {{lc "String"}} DEFAULT '',
    media_packets    Nullable(UInt32),
    media_loss_pct   Nullable(Float32),
    media_jitter_ms  Nullable(Float32),
    -- answering-machine detection (filled by audio analysis)
    amd_class        {{lc "String"}} DEFAULT '',
    amd_confidence   Nullable(Float32),
    beep_end_ms      Nullable(Int64),
    decided_ms       Nullable(Int64),
    evidence_at      Array({{time}}),
    evidence_source  Array(String),
    evidence_what    Array(String) {{codec "ZSTD(3)"}}
)
ENGINE = {{engine "ReplacingMergeTree" "calls"}}
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant, campaign, toStartOfHour(start_time), call_id)
{{ttl "start_time"}}
{{settings}}
