-- The city centre's database (三级联动) on PostgreSQL: the halls, and each hall's records in the
-- hall's own columns (hall/store.py's steps, ratings, cases, star_months, alarms; assess/reader.py
-- reads exactly these) with the hall's code in front. The record tables are partitioned by month
-- on business_day (declarative partitioning): a month's figures read one partition, and a year is
-- twelve. city/reader.py reads them; docs/city.md says how they grow to a province.
-- Idempotent: loading it twice changes nothing.

CREATE TABLE IF NOT EXISTS halls (
    code text PRIMARY KEY,                 -- the hall's [hall] code
    name text NOT NULL,
    name_en text NOT NULL DEFAULT '',
    tier text NOT NULL CHECK (tier IN ('city', 'township', 'village')),
    parent text REFERENCES halls(code) DEFERRABLE INITIALLY DEFERRED,
    link text NOT NULL DEFAULT 'never' CHECK (link IN ('never', 'online', 'offline')),
    last_seen_at timestamptz,              -- the hall's last request to the city
    last_record_at timestamptz             -- when the newest record the city holds was committed in the hall
);

CREATE TABLE IF NOT EXISTS steps (
    hall_code text NOT NULL,
    ticket_id bigint NOT NULL,
    step integer NOT NULL,
    business_day date NOT NULL,
    number text NOT NULL,
    service text NOT NULL,
    matter text,
    priority text,
    issued_at timestamptz NOT NULL,
    queued_at timestamptz NOT NULL,
    first_called_at timestamptz,
    called_at timestamptz,
    calls integer NOT NULL DEFAULT 0,
    started_at timestamptz,
    ended_at timestamptz,
    outcome text NOT NULL,
    "window" integer,
    staff text,
    post text,
    PRIMARY KEY (hall_code, business_day, ticket_id, step)
) PARTITION BY RANGE (business_day);

CREATE TABLE IF NOT EXISTS ratings (
    hall_code text NOT NULL,
    id bigint NOT NULL,
    ticket_id bigint NOT NULL,
    step integer NOT NULL DEFAULT 0,
    business_day date NOT NULL,
    number text NOT NULL DEFAULT '',
    service text NOT NULL DEFAULT '',
    matter text,
    "window" integer NOT NULL,
    staff text,
    level text,
    channel text NOT NULL,
    device text,
    reasons jsonb NOT NULL DEFAULT '[]',
    comment text NOT NULL DEFAULT '',
    at timestamptz NOT NULL,
    excluded boolean NOT NULL DEFAULT false,
    exclusion_reason text NOT NULL DEFAULT '',
    PRIMARY KEY (hall_code, business_day, id)
) PARTITION BY RANGE (business_day);
-- The star rating's citizens' part counts a year's ratings by hall, day and level from this index alone.
CREATE INDEX IF NOT EXISTS ratings_level ON ratings (hall_code, business_day, level, excluded);

CREATE TABLE IF NOT EXISTS cases (
    hall_code text NOT NULL,
    id bigint NOT NULL,
    rating_id bigint NOT NULL,
    ticket_id bigint NOT NULL,
    step integer NOT NULL,
    business_day date NOT NULL,
    opened_at timestamptz NOT NULL,
    status text NOT NULL,
    record jsonb NOT NULL,                 -- assess/records.py case_to_json, as the hall keeps it
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (hall_code, business_day, id)
) PARTITION BY RANGE (business_day);

CREATE TABLE IF NOT EXISTS alarms (
    hall_code text NOT NULL,
    id bigint NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    business_day date NOT NULL,
    raised_at timestamptz NOT NULL,
    acknowledged_by text,
    acknowledged_at timestamptz,
    cleared_at timestamptz,
    PRIMARY KEY (hall_code, business_day, id)
) PARTITION BY RANGE (business_day);

CREATE TABLE IF NOT EXISTS star_months (
    hall_code text NOT NULL,
    month text NOT NULL,                   -- YYYY-MM
    inputs jsonb NOT NULL,                 -- hall/store.py star_inputs_to_json
    entered_by text NOT NULL,
    entered_at timestamptz NOT NULL,
    PRIMARY KEY (hall_code, month)
);

CREATE TABLE IF NOT EXISTS config_versions (
    hall_code text NOT NULL,
    version integer NOT NULL,
    at timestamptz NOT NULL,
    config text NOT NULL,                  -- the whole configuration as TOML (hall/configs.py)
    PRIMARY KEY (hall_code, version)
);

CREATE TABLE IF NOT EXISTS staff (
    hall_code text NOT NULL,
    username text NOT NULL,
    name text NOT NULL,                    -- the name the hall's screens show
    PRIMARY KEY (hall_code, username)
);

-- One partition per month of each record table, made ahead; a record of a month not made yet goes to
-- the default partition rather than being refused.
CREATE OR REPLACE FUNCTION hallq_month_partitions(first_month date, last_month date) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', first_month)::date;
    t text;
BEGIN
    WHILE m <= last_month LOOP
        FOREACH t IN ARRAY ARRAY['steps', 'ratings', 'cases', 'alarms'] LOOP
            EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                           t || '_' || to_char(m, 'YYYY_MM'), t, m, (m + interval '1 month')::date);
        END LOOP;
        m := (m + interval '1 month')::date;
    END LOOP;
END $$;

SELECT hallq_month_partitions((date_trunc('year', now()) - interval '1 year')::date,
                              (date_trunc('year', now()) + interval '2 years' - interval '1 month')::date);
CREATE TABLE IF NOT EXISTS steps_default PARTITION OF steps DEFAULT;
CREATE TABLE IF NOT EXISTS ratings_default PARTITION OF ratings DEFAULT;
CREATE TABLE IF NOT EXISTS cases_default PARTITION OF cases DEFAULT;
CREATE TABLE IF NOT EXISTS alarms_default PARTITION OF alarms DEFAULT;

-- The ingest side (city/ingest.py): each hall's signing key and how far the city has its event log;
-- a hall's record is stored once, keyed by the hall's event seq (a resend is harmless); a signed
-- request's nonce is kept for the timestamp window, so the same request sent again is refused.
ALTER TABLE halls ADD COLUMN IF NOT EXISTS key text;          -- HMAC-SHA256 key, hex (never logged)
ALTER TABLE halls ADD COLUMN IF NOT EXISTS last_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE halls ADD COLUMN IF NOT EXISTS last_received_at timestamptz;
CREATE TABLE IF NOT EXISTS ingest (
    hall_code text NOT NULL,
    seq bigint NOT NULL,
    v integer NOT NULL,                    -- the record's payload version (hall/sender.py PAYLOAD_VERSION)
    event text NOT NULL,
    committed_at timestamptz NOT NULL,     -- when the hall committed it
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall_code, seq)
);
CREATE TABLE IF NOT EXISTS nonces (
    hall_code text NOT NULL,
    nonce text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall_code, nonce)
);
