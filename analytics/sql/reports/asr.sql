-- asr: answer-seizure ratio per tenant and campaign. Answered is any
-- answer (2xx, ANM/CON); asr_live leaves out calls answered by a voicemail
-- or an announcement, which a network counts as answered but a dialer does not.
SELECT
    tenant,
    campaign,
    count() AS calls,
    countIf(outcome IN ('answered', 'human', 'machine', 'fax', 'silence')) AS answered,
    countIf(outcome = 'machine' OR amd_class IN ('voicemail', 'machine')) AS voicemail,
    countIf(amd_class = 'announcement') AS announcement,
    round(answered / calls, 4) AS asr,
    round((answered - voicemail - announcement) / calls, 4) AS asr_live
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
GROUP BY tenant, campaign
ORDER BY tenant, campaign
