-- sip_status: final SIP status of the INVITE, with the outcome it led to.
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
WITH (SELECT count() FROM calls FINAL WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign}) AND sip_status IS NOT NULL) AS total
SELECT
    sip_status,
    outcome,
    count() AS calls,
    intDiv(toInt64(calls) * 20000 + toInt64(total), toInt64(total) * 2) / 10000 AS share
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND sip_status IS NOT NULL
GROUP BY sip_status, outcome
ORDER BY calls DESC, sip_status, outcome
