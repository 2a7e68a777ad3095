-- network_events: circuit supervision (BLO, UBL, GRS, CGB, CGU, their
-- acknowledgements, UCIC, RSC) and M3UA management (ASPUP, BEAT, DUNA...),
-- the subset of signaling_events an operations engineer puts beside the
-- per-circuit KPIs.
CREATE TABLE IF NOT EXISTS {{table "network_events"}} {{onCluster}}
(
    ts        {{time}},
    file      {{lc "String"}},
    frame     UInt64,
    proto     Enum8('isup' = 1, 'sip' = 2, 'm3ua' = 3, 'gtpv1' = 4, 'gtpv2' = 5, 'other' = 0),
    type      {{lc "String"}},
    opc       UInt32 DEFAULT 0,
    dpc       UInt32 DEFAULT 0,
    cic       UInt16 DEFAULT 0,
    cic_range UInt8 DEFAULT 0,
    cause     Nullable(UInt8)
)
ENGINE = {{engine "ReplacingMergeTree" "network_events"}}
PARTITION BY toYYYYMM(ts)
ORDER BY (opc, dpc, cic, ts, file, frame, type)
{{ttl "ts"}}
{{settings}}
