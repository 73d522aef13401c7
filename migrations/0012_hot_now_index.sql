-- "Hot now" (#16) looks, every run, for open leads changed in the last hour: an index on when
-- a lead last changed keeps that from scanning every lead as the table grows.
CREATE INDEX leads_open_updated_idx ON leads (updated_at) WHERE status = 'open' AND owner_id IS NOT NULL;
-- A click on a "hot now" DM finds the alert by its message, to redraw it whole.
CREATE INDEX hot_alerts_message_idx ON hot_alerts (channel, message_ts) WHERE status = 'sent';
