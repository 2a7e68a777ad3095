-- circuits: KPIs per signaling relation (OPC, DPC) and block of 32
-- circuits, with the circuit supervision seen on the same block beside them
-- (blocking, resets, group resets, unequipped circuits).
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
SELECT
    opc,
    dpc,
    cic_first,
    cic_first + 31 AS cic_last,
    calls,
    answered,
    intDiv(toInt64(answered) * 20000 + toInt64(calls), toInt64(calls) * 2) / 10000 AS asr,
    congestion,
    network_events,
    blocking,
    resets
FROM
(
    SELECT
        opc,
        dpc,
        intDiv(cic, 32) * 32 AS cic_first,
        count() AS calls,
        countIf(outcome IN ('answered', 'human', 'machine', 'fax', 'silence')) AS answered,
        countIf(outcome = 'congestion') AS congestion
    FROM calls FINAL
    WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
      AND has(leg_kinds, 'isup')
    GROUP BY opc, dpc, cic_first
) AS kpi
ANY LEFT JOIN
(
    SELECT
        opc,
        dpc,
        intDiv(cic, 32) * 32 AS cic_first,
        count() AS network_events,
        countIf(type IN ('BLO', 'CGB')) AS blocking,
        countIf(type IN ('RSC', 'GRS')) AS resets
    FROM network_events FINAL
    WHERE ts >= {since} AND ts < {until} AND proto = 'isup'
    GROUP BY opc, dpc, cic_first
) AS supervision USING (opc, dpc, cic_first)
ORDER BY opc, dpc, cic_first
