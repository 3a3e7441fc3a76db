/*
 * Versioned schema migrations for the PostgreSQL backend, step for step the
 * same schema as migrations.h (SQLite). Each step runs in one transaction
 * under an advisory lock, so nodes starting together migrate once; the
 * version is the one row of skolnav_schema. Append new steps; never edit a
 * released one; add every new table to pg_tables.
 *
 * Text columns that are compared or ordered are COLLATE "C": bytewise,
 * like SQLite, so ids, dates and index values order the same on both
 * backends. Sort keys are bytea, which PostgreSQL compares bytewise.
 */
#ifndef SKOLNAV_MIGRATIONS_PG_H
#define SKOLNAV_MIGRATIONS_PG_H

static const char *const pg_migrations[] = {
    /* 1: entities, index rows, change feed, tombstones, clients */
    "CREATE TABLE entity(kind integer NOT NULL, id text COLLATE \"C\" NOT NULL, json text NOT NULL,"
    "  display text, created bigint NOT NULL, modified bigint NOT NULL,"
    "  pstart text COLLATE \"C\", pend text COLLATE \"C\", source text, PRIMARY KEY(kind, id));"
    "CREATE INDEX entity_modified ON entity(kind, modified);"
    "CREATE TABLE idx(kind integer NOT NULL, key text COLLATE \"C\" NOT NULL, value text COLLATE \"C\" NOT NULL,"
    "  id text COLLATE \"C\" NOT NULL);"
    "CREATE INDEX idx_value ON idx(kind, key, value, id);"
    "CREATE INDEX idx_entity ON idx(kind, id);"
    "CREATE TABLE sortidx(kind integer NOT NULL, skey text COLLATE \"C\" NOT NULL, v bytea NOT NULL,"
    "  id text COLLATE \"C\" NOT NULL, PRIMARY KEY(kind, skey, v, id));"
    "CREATE INDEX sortidx_entity ON sortidx(kind, id);"
    "CREATE TABLE prel(person text COLLATE \"C\" NOT NULL, type text COLLATE \"C\" NOT NULL,"
    "  org text COLLATE \"C\" NOT NULL, pstart text COLLATE \"C\", pend text COLLATE \"C\","
    "  skind integer NOT NULL, sid text COLLATE \"C\" NOT NULL);"
    "CREATE INDEX prel_org ON prel(type, org, person);"
    "CREATE INDEX prel_person ON prel(person, type);"
    "CREATE INDEX prel_source ON prel(skind, sid);"
    "CREATE TABLE orgtree(anc text COLLATE \"C\" NOT NULL, des text COLLATE \"C\" NOT NULL, PRIMARY KEY(anc, des));"
    "CREATE TABLE changes(seq bigserial PRIMARY KEY, kind integer NOT NULL,"
    "  id text COLLATE \"C\" NOT NULL, op text NOT NULL, at bigint NOT NULL);"
    "CREATE TABLE tombstone(seq bigserial PRIMARY KEY, kind integer NOT NULL,"
    "  id text COLLATE \"C\" NOT NULL, at bigint NOT NULL);"
    "CREATE INDEX tombstone_at ON tombstone(at);"
    "CREATE TABLE client(id text COLLATE \"C\" PRIMARY KEY, name text NOT NULL, key_hash text COLLATE \"C\" NOT NULL UNIQUE,"
    "  full_access integer NOT NULL DEFAULT 0, created bigint NOT NULL, disabled integer NOT NULL DEFAULT 0);"
    "CREATE TABLE setting(k text COLLATE \"C\" PRIMARY KEY, v text NOT NULL);",

    /* 2: as SQLite's 2: entities keyed by eid (kind << 40 | n, arrival
     * order), derived rows keyed by value only, rebuilt on open. */
    "CREATE TABLE entity2(eid bigint PRIMARY KEY, kind integer NOT NULL, id text COLLATE \"C\" NOT NULL,"
    "  json text NOT NULL, display text, created bigint NOT NULL, modified bigint NOT NULL,"
    "  pstart text COLLATE \"C\", pend text COLLATE \"C\", source text);"
    "INSERT INTO entity2(eid,kind,id,json,display,created,modified,pstart,pend,source)"
    "  SELECT (kind::bigint << 40) + row_number() OVER (PARTITION BY kind ORDER BY created, id),"
    "  kind,id,json,display,created,modified,pstart,pend,source FROM entity;"
    "DROP TABLE entity;"
    "ALTER TABLE entity2 RENAME TO entity;"
    "CREATE UNIQUE INDEX entity_id ON entity(kind, id);"
    "CREATE INDEX entity_modified ON entity(kind, modified, id);"
    "DROP TABLE idx;"
    "CREATE TABLE idx(kind integer NOT NULL, key text COLLATE \"C\" NOT NULL, value text COLLATE \"C\" NOT NULL,"
    "  id text COLLATE \"C\" NOT NULL, PRIMARY KEY(kind, key, value, id));"
    "DELETE FROM sortidx;"
    "DROP INDEX sortidx_entity;"
    "DELETE FROM prel;"
    "DROP INDEX prel_source;"
    "DELETE FROM setting WHERE k='rows_version'",

    /* 3: subscriptions (webhooks) with their change-feed cursor, and the outbox */
    "CREATE TABLE subscription(id text COLLATE \"C\" PRIMARY KEY, client text COLLATE \"C\" NOT NULL,"
    "  name text NOT NULL, target text NOT NULL, kinds bigint NOT NULL, secret text NOT NULL,"
    "  expires bigint NOT NULL, created bigint NOT NULL, cursor bigint NOT NULL,"
    "  failing integer NOT NULL DEFAULT 0, last_error text);"
    "CREATE INDEX subscription_client ON subscription(client, id);"
    "CREATE TABLE outbox(id bigserial PRIMARY KEY, sub text COLLATE \"C\" NOT NULL, body text NOT NULL,"
    "  created bigint NOT NULL, next_at bigint NOT NULL, first_try bigint NOT NULL DEFAULT 0,"
    "  attempts integer NOT NULL DEFAULT 0);"
    "CREATE INDEX outbox_sub ON outbox(sub, id)",

    /* 4: what vendors report back through POST /log/ and /statistics/ */
    "CREATE TABLE feedback(id bigserial PRIMARY KEY, client text COLLATE \"C\" NOT NULL,"
    "  channel text COLLATE \"C\" NOT NULL, at bigint NOT NULL, body text NOT NULL);"
    "CREATE INDEX feedback_client ON feedback(client, at)",

    /* 5: vendor access (src/access/), as SQLite's 5 */
    "CREATE TABLE client_new(id text COLLATE \"C\" PRIMARY KEY, name text NOT NULL,"
    "  full_access integer NOT NULL DEFAULT 0, created bigint NOT NULL,"
    "  suspended integer NOT NULL DEFAULT 0, vendor text, contact text, dpo text, purpose text,"
    "  legal_basis text, contract_end text COLLATE \"C\", all_orgs integer NOT NULL DEFAULT 0,"
    "  cats bigint NOT NULL DEFAULT 0, protected text NOT NULL DEFAULT 'exclude',"
    "  pseudonyms integer NOT NULL DEFAULT 0, writes integer NOT NULL DEFAULT 0);"
    "INSERT INTO client_new(id, name, full_access, created, suspended)"
    "  SELECT id, name, full_access, created, disabled FROM client;"
    "CREATE TABLE client_key(id text COLLATE \"C\" PRIMARY KEY, client text COLLATE \"C\" NOT NULL,"
    "  hash text COLLATE \"C\" NOT NULL UNIQUE, created bigint NOT NULL, expires bigint, revoked bigint);"
    "CREATE INDEX client_key_client ON client_key(client);"
    "INSERT INTO client_key(id, client, hash, created)"
    "  SELECT substr(md5(random()::text || id), 1, 16), id, key_hash, created FROM client;"
    "DROP TABLE client;"
    "ALTER TABLE client_new RENAME TO client;"
    "CREATE TABLE client_org(client text COLLATE \"C\" NOT NULL, org text COLLATE \"C\" NOT NULL,"
    "  PRIMARY KEY(client, org));"
    "CREATE TABLE access_event(seq bigserial PRIMARY KEY, at bigint NOT NULL, client text COLLATE \"C\","
    "  what text NOT NULL);"
    "CREATE TABLE request_log(seq bigserial PRIMARY KEY, at bigint NOT NULL,"
    "  client text COLLATE \"C\" NOT NULL, credential text, method text NOT NULL, path text NOT NULL,"
    "  query text, status integer NOT NULL, items bigint NOT NULL, bytes bigint NOT NULL,"
    "  duration_ms bigint NOT NULL);"
    "CREATE INDEX request_log_client ON request_log(client, at);"
    "CREATE INDEX request_log_at ON request_log(at);"
    "CREATE TABLE ledger(person text COLLATE \"C\" NOT NULL, client text COLLATE \"C\" NOT NULL,"
    "  channel text COLLATE \"C\" NOT NULL, cats bigint NOT NULL, first bigint NOT NULL, last bigint NOT NULL,"
    "  PRIMARY KEY(person, client, channel));"
    "CREATE TABLE scope_exit(client text COLLATE \"C\" NOT NULL, person text COLLATE \"C\" NOT NULL,"
    "  at bigint NOT NULL, PRIMARY KEY(client, person));"
    "CREATE TABLE pseudonym(client text COLLATE \"C\" NOT NULL, pseudo text COLLATE \"C\" NOT NULL,"
    "  person text COLLATE \"C\" NOT NULL, PRIMARY KEY(client, pseudo));"
    "CREATE INDEX pseudonym_person ON pseudonym(person, client);"
    "CREATE TABLE issuer(iss text COLLATE \"C\" PRIMARY KEY, jwks_file text NOT NULL, audience text NOT NULL,"
    "  location text, organization_id text, client text COLLATE \"C\" NOT NULL, created bigint NOT NULL)",
    /* 6: as SQLite's 6: sources, their runs, held batches, pull state. */
    "CREATE TABLE source(id text COLLATE \"C\" PRIMARY KEY, name text COLLATE \"C\" NOT NULL UNIQUE,"
    "  type text NOT NULL, key_hash text COLLATE \"C\" UNIQUE, url text, auth text,"
    "  schedule bigint NOT NULL DEFAULT 0, kinds text, delete_pct integer NOT NULL DEFAULT 5,"
    "  change_pct integer NOT NULL DEFAULT 50, hold_min integer NOT NULL DEFAULT 10,"
    "  raised_pct integer NOT NULL DEFAULT 0, raised_until bigint NOT NULL DEFAULT 0, created bigint NOT NULL);"
    "CREATE TABLE source_run(seq bigserial PRIMARY KEY, source text COLLATE \"C\" NOT NULL,"
    "  started bigint NOT NULL, finished bigint NOT NULL, what text NOT NULL, result text NOT NULL,"
    "  created bigint NOT NULL DEFAULT 0, updated bigint NOT NULL DEFAULT 0,"
    "  deleted bigint NOT NULL DEFAULT 0, unchanged bigint NOT NULL DEFAULT 0, errors text);"
    "CREATE INDEX source_run_source ON source_run(source, seq);"
    "CREATE TABLE held_batch(id text COLLATE \"C\" PRIMARY KEY, source text COLLATE \"C\" NOT NULL,"
    "  created bigint NOT NULL, is_full integer NOT NULL, summary text NOT NULL, payload text NOT NULL);"
    "CREATE TABLE pull_state(source text COLLATE \"C\" NOT NULL, kind integer NOT NULL, phase text NOT NULL,"
    "  page_token text, walk_started bigint NOT NULL DEFAULT 0, watermark bigint NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(source, kind));"
    "CREATE TABLE pull_seen(source text COLLATE \"C\" NOT NULL, kind integer NOT NULL,"
    "  id text COLLATE \"C\" NOT NULL, PRIMARY KEY(source, kind, id));"
    "CREATE INDEX entity_source ON entity(source, kind)",
    /* 7: as SQLite's 7: EGIL service providers and their sent state. */
    "CREATE TABLE provision_sp(client text COLLATE \"C\" PRIMARY KEY, url text, ca text, cert text, key text,"
    "  pin text, api_header text, api_key text, metadata text, jwks text, entity_id text, tag text,"
    "  md_cache text, md_fetched bigint NOT NULL DEFAULT 0, max_create bigint NOT NULL DEFAULT -1,"
    "  max_update bigint NOT NULL DEFAULT -1, max_delete bigint NOT NULL DEFAULT 100,"
    "  activities integer NOT NULL DEFAULT 0, timeout_ms bigint NOT NULL DEFAULT 30000,"
    "  retries integer NOT NULL DEFAULT 3, health text, created bigint NOT NULL);"
    "CREATE TABLE provision_sent(client text COLLATE \"C\" NOT NULL, uuid text COLLATE \"C\" NOT NULL,"
    "  type integer NOT NULL, hash text NOT NULL, json text NOT NULL, sent bigint NOT NULL,"
    "  PRIMARY KEY(client, uuid))",
    /* 8: as SQLite's 8: export schedules and the export files produced. */
    "CREATE TABLE export_schedule(client text COLLATE \"C\" PRIMARY KEY, every_s bigint NOT NULL, dir text NOT NULL,"
    "  keep integer NOT NULL, next_at bigint NOT NULL, created bigint NOT NULL,"
    "  last_at bigint NOT NULL DEFAULT 0, last_result text);"
    "CREATE TABLE export_file(id text COLLATE \"C\" PRIMARY KEY, client text COLLATE \"C\" NOT NULL, path text NOT NULL,"
    "  created bigint NOT NULL, bytes bigint NOT NULL, entities bigint NOT NULL);"
    "CREATE INDEX export_file_client ON export_file(client, created)",
    /* 9: the admin web UI (src/admin/), as in migrations.h. */
    "CREATE TABLE admin_account(name text COLLATE \"C\" PRIMARY KEY, role text NOT NULL, hash text,"
    "  disabled integer NOT NULL DEFAULT 0, oidc integer NOT NULL DEFAULT 0, created bigint NOT NULL,"
    "  last_login bigint);"
    "CREATE TABLE admin_session(id text COLLATE \"C\" PRIMARY KEY, account text COLLATE \"C\" NOT NULL,"
    "  csrf text NOT NULL, via text NOT NULL, created bigint NOT NULL, seen bigint NOT NULL);"
    "CREATE INDEX admin_session_account ON admin_session(account);"
    "CREATE TABLE admin_login_fail(seq bigserial PRIMARY KEY, account text COLLATE \"C\" NOT NULL,"
    "  address text COLLATE \"C\" NOT NULL, at bigint NOT NULL);"
    "CREATE INDEX admin_login_fail_account ON admin_login_fail(account, at);"
    "CREATE INDEX admin_login_fail_address ON admin_login_fail(address, at);"
    "CREATE TABLE admin_audit(seq bigserial PRIMARY KEY, at bigint NOT NULL, account text, address text,"
    "  action text NOT NULL, target text, detail text);"
    "CREATE TABLE admin_oidc_pending(state text COLLATE \"C\" PRIMARY KEY, nonce text NOT NULL,"
    "  verifier text NOT NULL, created bigint NOT NULL)",
    /* 10: the ledger's journal, as in migrations.h. */
    "CREATE TABLE ledger_journal(person text COLLATE \"C\" NOT NULL, client text COLLATE \"C\" NOT NULL,"
    "  channel text COLLATE \"C\" NOT NULL, cats bigint NOT NULL, at bigint NOT NULL);"
    "ALTER TABLE ledger DROP CONSTRAINT ledger_pkey;"
    "ALTER TABLE ledger ADD PRIMARY KEY(client, channel, person);"
    "CREATE INDEX ledger_person ON ledger(person)",
    /* 11: one journal row per response, as in migrations.h. */
    "INSERT INTO ledger(client, channel, person, cats, first, last)"
    "  SELECT client, channel, person, bit_or(cats), min(at), max(at) FROM ledger_journal"
    "  GROUP BY client, channel, person"
    "  ON CONFLICT(client, channel, person) DO UPDATE SET cats=ledger.cats|excluded.cats,"
    "  last=greatest(ledger.last, excluded.last);"
    "DROP TABLE ledger_journal;"
    "CREATE TABLE ledger_journal(seq bigserial PRIMARY KEY, client text COLLATE \"C\" NOT NULL,"
    "  channel text COLLATE \"C\" NOT NULL, at bigint NOT NULL, persons text NOT NULL);"
    "CREATE VIEW ledger_pending AS SELECT j.client, j.channel, e.key COLLATE \"C\" AS person,"
    "  e.value::bigint AS cats, j.at FROM ledger_journal j, jsonb_each_text(j.persons::jsonb) e",
    /* 12: the ledger keyed by reader (client, channel), as in migrations.h. */
    "CREATE TABLE ledger_reader(id bigserial PRIMARY KEY, client text COLLATE \"C\" NOT NULL,"
    "  channel text COLLATE \"C\" NOT NULL, UNIQUE(client, channel));"
    "INSERT INTO ledger_reader(client, channel)"
    "  SELECT client, channel FROM ledger UNION SELECT client, channel FROM ledger_journal ORDER BY 1, 2;"
    "CREATE TABLE ledger_row(reader bigint NOT NULL, person text COLLATE \"C\" NOT NULL, cats bigint NOT NULL,"
    "  first bigint NOT NULL, last bigint NOT NULL, PRIMARY KEY(reader, person));"
    "INSERT INTO ledger_row(reader, person, cats, first, last)"
    "  SELECT r.id, l.person, l.cats, l.first, l.last FROM ledger l"
    "  JOIN ledger_reader r ON r.client=l.client AND r.channel=l.channel;"
    "INSERT INTO ledger_row(reader, person, cats, first, last)"
    "  SELECT r.id, e.key, bit_or(e.value::bigint), min(j.at), max(j.at) FROM ledger_journal j"
    "  JOIN ledger_reader r ON r.client=j.client AND r.channel=j.channel, jsonb_each_text(j.persons::jsonb) e"
    "  GROUP BY r.id, e.key"
    "  ON CONFLICT(reader, person) DO UPDATE SET cats=ledger_row.cats|excluded.cats,"
    "  first=least(ledger_row.first, excluded.first), last=greatest(ledger_row.last, excluded.last);"
    "DROP VIEW ledger_pending;"
    "DROP TABLE ledger_journal;"
    "DROP TABLE ledger;"
    "CREATE TABLE ledger_journal(seq bigserial PRIMARY KEY, client text COLLATE \"C\" NOT NULL,"
    "  channel text COLLATE \"C\" NOT NULL, at bigint NOT NULL, persons text NOT NULL);"
    "CREATE VIEW ledger AS SELECT r.client, r.channel, l.person, l.cats, l.first, l.last"
    "  FROM ledger_reader r CROSS JOIN ledger_row l WHERE l.reader=r.id;"
    "CREATE VIEW ledger_pending AS SELECT j.client, j.channel, p.value COLLATE \"C\" AS person,"
    "  g.key::bigint AS cats, j.at FROM ledger_journal j, jsonb_each(j.persons::jsonb) g,"
    "  jsonb_array_elements_text(g.value) p",
    /* 13: the person's entity key (peid) in prel, as in migrations.h. */
    "DROP INDEX prel_org;"
    "ALTER TABLE prel ADD COLUMN peid bigint;"
    "UPDATE prel p SET peid=e.eid FROM entity e WHERE e.kind=1 AND e.id=p.person;"
    "CREATE INDEX prel_org ON prel(type, org, peid, person)",
    /* 14: nothing; on SQLite the request log and the journal move to a
     * file of their own, which PostgreSQL does not need (its readers keep
     * their cache across other sessions' commits). */
    "SELECT 1",
    /* 15: scope exits of every kind, as in migrations.h. */
    "ALTER TABLE ledger_reader ADD COLUMN kind integer NOT NULL DEFAULT 1;"
    "ALTER TABLE ledger_reader DROP CONSTRAINT ledger_reader_client_channel_key;"
    "ALTER TABLE ledger_reader ADD UNIQUE(client, channel, kind);"
    "CREATE OR REPLACE VIEW ledger AS SELECT r.client, r.channel, l.person, l.cats, l.first, l.last"
    "  FROM ledger_reader r CROSS JOIN ledger_row l WHERE l.reader=r.id AND r.kind=1;"
    "ALTER TABLE ledger_journal ADD COLUMN kind integer NOT NULL DEFAULT 1;"
    "CREATE OR REPLACE VIEW ledger_pending AS SELECT j.client, j.channel, p.value COLLATE \"C\" AS person,"
    "  g.key::bigint AS cats, j.at FROM ledger_journal j, jsonb_each(j.persons::jsonb) g,"
    "  jsonb_array_elements_text(g.value) p WHERE j.kind=1;"
    "ALTER TABLE scope_exit RENAME COLUMN person TO id;"
    "ALTER TABLE scope_exit ADD COLUMN kind integer NOT NULL DEFAULT 1;"
    "ALTER TABLE scope_exit DROP CONSTRAINT scope_exit_pkey;"
    "ALTER TABLE scope_exit ADD PRIMARY KEY(client, kind, id);"
    "ALTER TABLE subscription ADD COLUMN scope_at bigint NOT NULL DEFAULT 0;"
    "CREATE INDEX access_event_client ON access_event(client, at)",
};

/* Dropped before pg_tables: the view ledger (12) goes with them, so that
 * pg_tables can name the table ledger of a store older than 12 (DROP
 * TABLE refuses a view). */
static const char pg_tables_first[] = "ledger_row, ledger_reader";
/* Every table the migrations create (for `demo --force`, which starts over). */
static const char pg_tables[] =
    "entity, idx, sortidx, prel, orgtree, changes, tombstone, client, setting, subscription, outbox,"
    " feedback, client_key, client_org, access_event, request_log, ledger, ledger_journal, scope_exit, pseudonym, issuer,"
    " source, source_run, held_batch, pull_state, pull_seen, provision_sp, provision_sent, export_schedule, export_file, admin_account, admin_session, admin_login_fail,"
    " admin_audit, admin_oidc_pending, skolnav_schema";

#endif
