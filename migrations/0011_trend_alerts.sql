-- Emerging trends (#17): a rise in a reason code within one segment, posted to managers once.
CREATE TABLE trend_alerts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    segment_column text   NOT NULL,
    segment        text   NOT NULL,
    reason_code    text   NOT NULL REFERENCES reason_codes (code),
    recent         int    NOT NULL CHECK (recent >= 0),
    usual          double precision NOT NULL CHECK (usual >= 0),
    p_value        double precision NOT NULL CHECK (p_value BETWEEN 0 AND 1),
    posted_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trend_alerts_key_idx ON trend_alerts (segment_column, segment, reason_code, posted_at DESC);
