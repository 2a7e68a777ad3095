-- amd_mix: what answered each campaign's answered calls: a person, a
-- voicemail, a fax, silence, an announcement, or not yet classified.
SELECT
    tenant,
    campaign,
    count() AS answered,
    countIf(outcome = 'human') AS human,
    countIf(outcome = 'machine' OR amd_class IN ('voicemail', 'machine')) AS voicemail,
    countIf(outcome = 'fax') AS fax,
    countIf(outcome = 'silence') AS silence,
    countIf(amd_class = 'announcement') AS announcement,
    countIf(outcome = 'answered' AND amd_class = '') AS unclassified,
    round(voicemail / answered, 4) AS voicemail_share
FROM calls FINAL
WHERE start_time >= {since} AND start_time < {until}
  AND ({tenant} = '' OR tenant = {tenant})
  AND ({campaign} = '' OR campaign = {campaign})
  AND outcome IN ('answered', 'human', 'machine', 'fax', 'silence')
GROUP BY tenant, campaign
ORDER BY tenant, campaign
