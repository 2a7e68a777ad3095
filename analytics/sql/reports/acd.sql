-- acd: average call duration (talk time, answer to end) of answered calls,
-- per tenant and campaign.
SELECT
    tenant,
    campaign,
    count() AS answered,
    round(avg(duration_ms) / 1000, 2) AS acd_s,
    round(sum(duration_ms) / 60000, 2) AS minutes,
    round(max(duration_ms) / 1000, 2) AS longest_s
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND outcome IN ('answered', 'human', 'machine', 'fax', 'silence')
  AND duration_ms IS NOT NULL
GROUP BY tenant, campaign
ORDER BY tenant, campaign
