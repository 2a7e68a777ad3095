-- causes: the decisive release causes with their Q.850 names and classes,
-- and where they came from (ISUP REL, SIP-I body, SIP Reason, SIP status).
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
WITH (SELECT count() FROM calls FINAL WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign}) AND q850 IS NOT NULL) AS total
SELECT
    q850,
    cause_name,
    cause_class,
    cause_source,
    count() AS calls,
    intDiv(toInt64(calls) * 20000 + toInt64(total), toInt64(total) * 2) / 10000 AS share
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND q850 IS NOT NULL
GROUP BY q850, cause_name, cause_class, cause_source
ORDER BY calls DESC, q850, cause_source
