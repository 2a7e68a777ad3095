-- ner: network effectiveness ratio (ITU-T E.425): the share of seizures
-- the network carried to the subscriber: answered, busy, no answer or
-- rejected by the user. Calls answered by a voicemail or an announcement
-- are counted apart, not as successes.
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
SELECT
    tenant,
    campaign,
    count() AS calls,
    countIf(outcome IN ('answered', 'human', 'fax', 'silence') AND amd_class NOT IN ('voicemail', 'machine', 'announcement')) AS answered_live,
    countIf(outcome = 'machine' OR amd_class IN ('voicemail', 'machine')) AS answered_voicemail,
    countIf(amd_class = 'announcement') AS answered_announcement,
    countIf(outcome = 'busy') AS busy,
    countIf(outcome = 'no_answer') AS no_answer,
    countIf(outcome = 'rejected') AS rejected,
    intDiv(toInt64(answered_live + busy + no_answer + rejected) * 20000 + toInt64(calls), toInt64(calls) * 2) / 10000 AS ner
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
GROUP BY tenant, campaign
ORDER BY tenant, campaign
