-- A rep's delivery hour and leads per day are NULL until the rep (or a reps import) sets them:
-- NULL follows digest.delivery_hour and digest.leads_per_day in LEADBOT_CONFIG. Until now every rep
-- got the column defaults 9 and 5, so those settings in the configuration had no effect.

ALTER TABLE reps ALTER COLUMN delivery_hour DROP NOT NULL,
                 ALTER COLUMN delivery_hour DROP DEFAULT,
                 ALTER COLUMN leads_per_day DROP NOT NULL,
                 ALTER COLUMN leads_per_day DROP DEFAULT;

-- Reps still on the old column defaults follow the configuration from now on (its defaults are
-- the same 9 and 5, so nothing changes until an admin sets others). A rep who chose exactly 9 or 5
-- cannot be told from one who never chose: they follow the configuration too.
UPDATE reps SET delivery_hour = NULL WHERE delivery_hour = 9;
UPDATE reps SET leads_per_day = NULL WHERE leads_per_day = 5;
