-- Seeds reports :r_from..:r_to and IBAN indicators :i_from..:i_to for organisation :'org'.
-- Ids and values are functions of the row number, so stages can extend a seeded database.
-- Indicator n is a valid Kosovo IBAN of account n, linked to report ((n - 1) % :r_to) + 1.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO reports (id, reference, reporter_org_id, category, title, description, status, tlp, shared_with,
                     first_seen, last_seen, country, loss_amount_minor, loss_currency, victim_count, created_at, updated_at)
SELECT md5('report' || n)::uuid,
       'RPT-BENCH-' || lpad(n::text, 8, '0'),
       :'org',
       (ARRAY['phishing','investment_fraud','romance_scam','money_mule','crypto_fraud','online_shop_fraud'])[1 + n % 6],
       (ARRAY['Fake trading platform','Parcel delivery SMS','Romance on dating app','Crypto doubling scheme',
              'Invoice redirection','Fake web shop'])[1 + n % 6] || ' case ' || n,
       (ARRAY['victims paid into a mule account after cold calls','text message with a link to a fake login page',
              'wire transfers to a person met online','wallet promised to double the deposit',
              'supplier bank details changed by e-mail','goods paid and never delivered'])[1 + (n / 7) % 6]
         || ' ' || (ARRAY['kosovo','albania','germany','austria','italy','france','spain'])[1 + n % 7],
       'open',
       (ARRAY['green','amber','clear','amber_strict'])[1 + n % 4],
       '{}',
       now() - (1 + n % 365) * interval '1 day', now() - (n % 24) * interval '1 hour', 'XK',
       (n % 1000) * 1000, 'EUR', 1 + n % 5,
       now() - (:r_to - n) * interval '1 second', now()
FROM generate_series(:r_from, :r_to) AS n
ON CONFLICT DO NOTHING;

INSERT INTO indicators (id, type, value, first_seen, last_seen, report_count)
SELECT md5('indicator' || n)::uuid, 'iban',
       'XK' || lpad((98 - (('1212' || lpad(n::text, 12, '0') || '332000')::numeric % 97))::text, 2, '0')
            || '1212' || lpad(n::text, 12, '0'),
       now() - interval '30 days', now(), 1
FROM generate_series(:i_from, :i_to) AS n
ON CONFLICT DO NOTHING;

INSERT INTO report_indicators (indicator_id, report_id, role, valid_until)
SELECT md5('indicator' || n)::uuid, md5('report' || (((n - 1) % :r_to) + 1))::uuid, 'beneficiary_account',
       now() + interval '365 days'
FROM generate_series(:i_from, :i_to) AS n
ON CONFLICT DO NOTHING;
COMMIT;
-- As autovacuum would: statistics, and the visibility map for index-only scans.
VACUUM ANALYZE reports;
VACUUM ANALYZE indicators;
VACUUM ANALYZE report_indicators;
