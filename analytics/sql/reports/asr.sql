-- asr: answer-seizure ratio per tenant and campaign. Answered is any
-- answer (2xx, ANM/CON); asr_live leaves out calls answered by a voicemail
-- or an announcement, which a network counts as answered but a dialer does not.
-- Shares and means are rounded half up in integers: round() breaks ties
-- differently across ClickHouse versions (the server and chDB).
SELECT
    tenant,
    campaign,
    count() AS calls,
    countIf(outcome IN ('answered', 'human', 'machine', 'fax', 'silence')) AS answered,
    countIf(outcome = 'machine' OR amd_class IN ('voicemail', 'machine')) AS voicemail,
    countIf(amd_class = 'announcement') AS announcement,
    intDiv(toInt64(answered) * 20000 + toInt64(calls), toInt64(calls) * 2) / 10000 AS asr,
    intDiv(toInt64(toInt64(answered) - toInt64(voicemail) - toInt64(announcement)) * 20000 + toInt64(calls), toInt64(calls) * 2) / 10000 AS asr_live
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
GROUP BY tenant, campaign
ORDER BY tenant, campaign
