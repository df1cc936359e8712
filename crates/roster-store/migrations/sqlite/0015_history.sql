-- The history log (SPEC §7) and the events feed made of it.
--
-- history: one row per change and per sign-in, numbered per site by seq,
-- written in the transaction of the change it records. The events feed
-- reads it in seq order.
--
-- history_counters: each site's last seq. The writer takes the next
-- numbers with one upsert as the last statement before its commit: on
-- PostgreSQL the row stays locked until then, so entries commit in seq
-- order and a reader never sees a later number before an earlier one (no
-- gaps for a feed that reads "after N"); a rolled-back change gives its
-- numbers back. A table of its own, not a column of sites, so that this
-- lock never meets the one that guards a site's last administrator.
-- The other dialect's file is the same schema.

CREATE TABLE history (
    site_id     TEXT    NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    interface   TEXT    NOT NULL,
    actor_kind  TEXT    NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT,
    target_kind TEXT,
    target_id   TEXT,
    target_name TEXT,
    action      TEXT    NOT NULL,
    reason      TEXT,
    changes     TEXT    NOT NULL,
    PRIMARY KEY (site_id, seq)
);

CREATE INDEX history_time ON history (site_id, at);
CREATE INDEX history_target ON history (site_id, target_id);

CREATE TABLE history_counters (
    site_id  TEXT    NOT NULL PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    last_seq INTEGER NOT NULL
);
