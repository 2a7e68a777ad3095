-- acd: average call duration (talk time, answer to end) of answered calls,
-- per tenant and campaign.
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
SELECT
    tenant,
    campaign,
    count() AS answered,
    intDiv(toInt64(sum(duration_ms)) * 200 + toInt64(count(duration_ms) * 1000), toInt64(count(duration_ms) * 1000) * 2) / 100 AS acd_s,
    intDiv(toInt64(sum(duration_ms)) * 200 + toInt64(60000), toInt64(60000) * 2) / 100 AS minutes,
    intDiv(toInt64(max(duration_ms)) * 200 + toInt64(1000), toInt64(1000) * 2) / 100 AS longest_s
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND outcome IN ('answered', 'human', 'machine', 'fax', 'silence')
  AND duration_ms IS NOT NULL
GROUP BY tenant, campaign
ORDER BY tenant, campaign
