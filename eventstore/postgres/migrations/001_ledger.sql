-- The ledger: an append-only event log with dense global positions and the
-- stored hashes of the RFC 6962 Merkle tree over the log.
--
-- Runs with search_path set to the store's schema.

-- log_head is the one row every append transaction locks before it inserts
-- events, and moves to its last position; positions are taken, or checked
-- to be next, under that lock, so they are dense, gap-free and in commit
-- order, and a rollback leaves the row as it was. frontier holds the hashes of the complete
-- subtrees of the Merkle tree of size position, largest first, so an append
-- needs no extra read to extend the tree.
CREATE TABLE log_head (
	id       boolean PRIMARY KEY DEFAULT true CHECK (id),
	position bigint  NOT NULL CHECK (position >= 0),
	frontier bytea   NOT NULL
);
INSERT INTO log_head (position, frontier) VALUES (0, '\x');

-- events: the (stream, revision) index also serves the appends' look-up of
-- each stream's last revision and hash. data is bytea, not jsonb (which
-- reorders keys and drops whitespace), because the chain hash covers the
-- exact bytes.
CREATE TABLE events (
	position       bigint      PRIMARY KEY CHECK (position > 0),
	stream         text        NOT NULL,
	revision       bigint      NOT NULL CHECK (revision >= 0),
	id             uuid        NOT NULL UNIQUE,
	type           text        NOT NULL,
	data           bytea       NOT NULL,
	actor_id       text        NOT NULL,
	actor_role     text        NOT NULL,
	command_id     uuid        NOT NULL,
	correlation_id uuid        NOT NULL,
	causation_id   uuid        NOT NULL,
	reason         text        NOT NULL,
	schema_version bigint      NOT NULL,
	recorded_at    timestamptz NOT NULL,
	prev_hash      bytea       NOT NULL,
	hash           bytea       NOT NULL,
	UNIQUE (stream, revision)
);

-- merkle_hashes holds the tlog stored hashes, by tlog.StoredHashIndex: each
-- append transaction stores the hashes it adds, contiguous from index first,
-- as one row (32 bytes each), rather than one row per hash. EXTERNAL
-- storage (uncompressed, since hashes do not compress) lets a read slice
-- one hash out of a large row without fetching all of it.
CREATE TABLE merkle_hashes (
	first  bigint PRIMARY KEY CHECK (first >= 0),
	hashes bytea  NOT NULL CHECK (length(hashes) > 0 AND length(hashes) % 32 = 0)
);
ALTER TABLE merkle_hashes ALTER COLUMN hashes SET STORAGE EXTERNAL;
-- Keep the row of a typical group (a few dozen events, about 2 KiB of
-- hashes) in the table itself rather than in TOAST.
ALTER TABLE merkle_hashes SET (toast_tuple_target = 8160);

-- Immutability. The ledger's own role (the owner, running this migration)
-- and everyone else lose UPDATE, DELETE and TRUNCATE on the history; the
-- triggers refuse them anyway, superusers included, who bypass privileges.
REVOKE UPDATE, DELETE, TRUNCATE ON events, merkle_hashes FROM PUBLIC, CURRENT_USER;

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the ledger is append-only: % on %.% is refused', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
		USING ERRCODE = 'insufficient_privilege', HINT = 'Record a correction as a new event.';
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
	FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER merkle_hashes_append_only BEFORE UPDATE OR DELETE ON merkle_hashes
	FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER merkle_hashes_no_truncate BEFORE TRUNCATE ON merkle_hashes
	FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
