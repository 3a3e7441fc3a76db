/*
 * Versioned schema migrations. Each step upgrades the schema by one version
 * inside one transaction; an older file is upgraded in place on open.
 * Append new steps; never edit a released one.
 */
#ifndef SKOLNAV_MIGRATIONS_H
#define SKOLNAV_MIGRATIONS_H

static const char *const sqlite_migrations[] = {
    /* 1: entities, index rows, change feed, tombstones, clients */
    "CREATE TABLE entity(kind INTEGER NOT NULL, id TEXT NOT NULL, json TEXT NOT NULL,"
    "  display TEXT, created INTEGER NOT NULL, modified INTEGER NOT NULL,"
    "  pstart TEXT, pend TEXT, source TEXT, PRIMARY KEY(kind, id)) WITHOUT ROWID;"
    "CREATE INDEX entity_modified ON entity(kind, modified);"
    "CREATE TABLE idx(kind INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL);"
    "CREATE INDEX idx_value ON idx(kind, key, value, id);"
    "CREATE INDEX idx_entity ON idx(kind, id);"
    "CREATE TABLE sortidx(kind INTEGER NOT NULL, skey TEXT NOT NULL, v BLOB NOT NULL, id TEXT NOT NULL,"
    "  PRIMARY KEY(kind, skey, v, id)) WITHOUT ROWID;"
    "CREATE INDEX sortidx_entity ON sortidx(kind, id);"
    "CREATE TABLE prel(person TEXT NOT NULL, type TEXT NOT NULL, org TEXT NOT NULL,"
    "  pstart TEXT, pend TEXT, skind INTEGER NOT NULL, sid TEXT NOT NULL);"
    "CREATE INDEX prel_org ON prel(type, org, person);"
    "CREATE INDEX prel_person ON prel(person, type);"
    "CREATE INDEX prel_source ON prel(skind, sid);"
    "CREATE TABLE orgtree(anc TEXT NOT NULL, des TEXT NOT NULL, PRIMARY KEY(anc, des)) WITHOUT ROWID;"
    "CREATE TABLE changes(seq INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
    "  id TEXT NOT NULL, op TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE tombstone(seq INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
    "  id TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX tombstone_at ON tombstone(at);"
    "CREATE TABLE client(id TEXT PRIMARY KEY, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,"
    "  full_access INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE setting(k TEXT PRIMARY KEY, v TEXT NOT NULL);",

    /* 2: entities in arrival order, each kind in its own range of the
     * integer key (eid = kind << 40 | n; see sql_query.h): new entities
     * append, and a walk of one kind reads the table in order. Derived rows
     * are keyed by their values only, and deleted through the rows an
     * entity's old JSON derives; they are rebuilt on open (rows_version is
     * cleared). */
    "CREATE TABLE entity2(eid INTEGER PRIMARY KEY, kind INTEGER NOT NULL, id TEXT NOT NULL,"
    "  json TEXT NOT NULL, display TEXT, created INTEGER NOT NULL, modified INTEGER NOT NULL,"
    "  pstart TEXT, pend TEXT, source TEXT);"
    "INSERT INTO entity2(eid,kind,id,json,display,created,modified,pstart,pend,source)"
    "  SELECT (kind << 40) + row_number() OVER (PARTITION BY kind ORDER BY created, id),"
    "  kind,id,json,display,created,modified,pstart,pend,source FROM entity;"
    "DROP TABLE entity;"
    "ALTER TABLE entity2 RENAME TO entity;"
    "CREATE UNIQUE INDEX entity_id ON entity(kind, id);"
    "CREATE INDEX entity_modified ON entity(kind, modified, id);"
    "DROP TABLE idx;"
    "CREATE TABLE idx(kind INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL,"
    "  PRIMARY KEY(kind, key, value, id)) WITHOUT ROWID;"
    "DELETE FROM sortidx;"
    "DROP INDEX sortidx_entity;"
    "DELETE FROM prel;"
    "DROP INDEX prel_source;"
    "DELETE FROM setting WHERE k='rows_version';",
    /* 3: subscriptions (webhooks) with their change-feed cursor, and the outbox */
    "CREATE TABLE subscription(id TEXT PRIMARY KEY, client TEXT NOT NULL, name TEXT NOT NULL,"
    "  target TEXT NOT NULL, kinds INTEGER NOT NULL, secret TEXT NOT NULL, expires INTEGER NOT NULL,"
    "  created INTEGER NOT NULL, cursor INTEGER NOT NULL, failing INTEGER NOT NULL DEFAULT 0, last_error TEXT);"
    "CREATE INDEX subscription_client ON subscription(client, id);"
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, sub TEXT NOT NULL, body TEXT NOT NULL,"
    "  created INTEGER NOT NULL, next_at INTEGER NOT NULL, first_try INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX outbox_sub ON outbox(sub, id);",
    /* 4: what vendors report back through POST /log/ and /statistics/ */
    "CREATE TABLE feedback(id INTEGER PRIMARY KEY AUTOINCREMENT, client TEXT NOT NULL, channel TEXT NOT NULL,"
    "  at INTEGER NOT NULL, body TEXT NOT NULL);"
    "CREATE INDEX feedback_client ON feedback(client, at);",

    /* 5: vendor access (src/access/): client details and grants, several
     * keys per client, access events, the request log and the per-person
     * disclosure ledger. Existing keys carry over; existing clients keep
     * their full access. */
    "CREATE TABLE client_new(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  full_access INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,"
    "  suspended INTEGER NOT NULL DEFAULT 0, vendor TEXT, contact TEXT, dpo TEXT, purpose TEXT,"
    "  legal_basis TEXT, contract_end TEXT, all_orgs INTEGER NOT NULL DEFAULT 0,"
    "  cats INTEGER NOT NULL DEFAULT 0, protected TEXT NOT NULL DEFAULT 'exclude',"
    "  pseudonyms INTEGER NOT NULL DEFAULT 0, writes INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO client_new(id, name, full_access, created, suspended)"
    "  SELECT id, name, full_access, created, disabled FROM client;"
    "CREATE TABLE client_key(id TEXT PRIMARY KEY, client TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,"
    "  created INTEGER NOT NULL, expires INTEGER, revoked INTEGER);"
    "CREATE INDEX client_key_client ON client_key(client);"
    "INSERT INTO client_key(id, client, hash, created)"
    "  SELECT lower(hex(randomblob(8))), id, key_hash, created FROM client;"
    "DROP TABLE client;"
    "ALTER TABLE client_new RENAME TO client;"
    "CREATE TABLE client_org(client TEXT NOT NULL, org TEXT NOT NULL, PRIMARY KEY(client, org)) WITHOUT ROWID;"
    "CREATE TABLE access_event(seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    "  client TEXT, what TEXT NOT NULL);"
    "CREATE TABLE request_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    "  client TEXT NOT NULL, credential TEXT, method TEXT NOT NULL, path TEXT NOT NULL, query TEXT,"
    "  status INTEGER NOT NULL, items INTEGER NOT NULL, bytes INTEGER NOT NULL, duration_ms INTEGER NOT NULL);"
    "CREATE INDEX request_log_client ON request_log(client, at);"
    "CREATE INDEX request_log_at ON request_log(at);"
    /* Keyed by person first: the Art. 15 question is per person, and one
     * B-tree and no secondary index keeps a full walk's upserts cheap. */
    "CREATE TABLE ledger(person TEXT NOT NULL, client TEXT NOT NULL, channel TEXT NOT NULL,"
    "  cats INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,"
    "  PRIMARY KEY(person, client, channel)) WITHOUT ROWID;"
    /* Persons that left a client's view after it received them (scope
     * exits), with the time the hub first told it, for /deletedEntities. */
    "CREATE TABLE scope_exit(client TEXT NOT NULL, person TEXT NOT NULL, at INTEGER NOT NULL,"
    "  PRIMARY KEY(client, person)) WITHOUT ROWID;"
    /* Pseudonymous ids a client has been given (client grant --pseudonyms on). */
    "CREATE TABLE pseudonym(client TEXT NOT NULL, pseudo TEXT NOT NULL, person TEXT NOT NULL,"
    "  PRIMARY KEY(client, pseudo)) WITHOUT ROWID;"
    "CREATE INDEX pseudonym_person ON pseudonym(person, client);"
    /* Trusted issuers of externally signed JWTs (Skolverket's DNP, federations). */
    "CREATE TABLE issuer(iss TEXT PRIMARY KEY, jwks_file TEXT NOT NULL, audience TEXT NOT NULL,"
    "  location TEXT, organization_id TEXT, client TEXT NOT NULL, created INTEGER NOT NULL);",

    /* 6: sources (push, pull, file), their runs (health), batches held by
     * the mass-change check, and the resumable state of pull runs. */
    "CREATE TABLE source(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    "  key_hash TEXT UNIQUE, url TEXT, auth TEXT, schedule INTEGER NOT NULL DEFAULT 0, kinds TEXT,"
    "  delete_pct INTEGER NOT NULL DEFAULT 5, change_pct INTEGER NOT NULL DEFAULT 50,"
    "  hold_min INTEGER NOT NULL DEFAULT 10, raised_pct INTEGER NOT NULL DEFAULT 0,"
    "  raised_until INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
    "CREATE TABLE source_run(seq INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL,"
    "  started INTEGER NOT NULL, finished INTEGER NOT NULL, what TEXT NOT NULL, result TEXT NOT NULL,"
    "  created INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,"
    "  deleted INTEGER NOT NULL DEFAULT 0, unchanged INTEGER NOT NULL DEFAULT 0, errors TEXT);"
    "CREATE INDEX source_run_source ON source_run(source, seq);"
    "CREATE TABLE held_batch(id TEXT PRIMARY KEY, source TEXT NOT NULL, created INTEGER NOT NULL,"
    "  is_full INTEGER NOT NULL, summary TEXT NOT NULL, payload TEXT NOT NULL);"
    "CREATE TABLE pull_state(source TEXT NOT NULL, kind INTEGER NOT NULL, phase TEXT NOT NULL,"
    "  page_token TEXT, walk_started INTEGER NOT NULL DEFAULT 0, watermark INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY(source, kind));"
    "CREATE TABLE pull_seen(source TEXT NOT NULL, kind INTEGER NOT NULL, id TEXT NOT NULL,"
    "  PRIMARY KEY(source, kind, id)) WITHOUT ROWID;"
    "CREATE INDEX entity_source ON entity(source, kind);",
    /* 7: EGIL provisioning: service providers (each a client), what was
     * last sent to each, object by object (src/provision/). */
    "CREATE TABLE provision_sp(client TEXT PRIMARY KEY, url TEXT, ca TEXT, cert TEXT, key TEXT, pin TEXT,"
    "  api_header TEXT, api_key TEXT, metadata TEXT, jwks TEXT, entity_id TEXT, tag TEXT, md_cache TEXT,"
    "  md_fetched INTEGER NOT NULL DEFAULT 0, max_create INTEGER NOT NULL DEFAULT -1,"
    "  max_update INTEGER NOT NULL DEFAULT -1, max_delete INTEGER NOT NULL DEFAULT 100,"
    "  activities INTEGER NOT NULL DEFAULT 0, timeout_ms INTEGER NOT NULL DEFAULT 30000,"
    "  retries INTEGER NOT NULL DEFAULT 3, health TEXT, created INTEGER NOT NULL);"
    "CREATE TABLE provision_sent(client TEXT NOT NULL, uuid TEXT NOT NULL, type INTEGER NOT NULL,"
    "  hash TEXT NOT NULL, json TEXT NOT NULL, sent INTEGER NOT NULL, PRIMARY KEY(client, uuid)) WITHOUT ROWID;",
    /* 8 (exports; after 7 when merged): per-client export schedules and
     * the export files produced (src/export/files.h). */
    "CREATE TABLE export_schedule(client TEXT PRIMARY KEY, every_s INTEGER NOT NULL, dir TEXT NOT NULL,"
    "  keep INTEGER NOT NULL, next_at INTEGER NOT NULL, created INTEGER NOT NULL,"
    "  last_at INTEGER NOT NULL DEFAULT 0, last_result TEXT);"
    "CREATE TABLE export_file(id TEXT PRIMARY KEY, client TEXT NOT NULL, path TEXT NOT NULL,"
    "  created INTEGER NOT NULL, bytes INTEGER NOT NULL, entities INTEGER NOT NULL);"
    "CREATE INDEX export_file_client ON export_file(client, created);",
    /* 9: the admin web UI (src/admin/): accounts with roles, sessions (ids
     * and CSRF tokens stored as hashes), failed logins for the throttle,
     * the admin audit trail, and pending OpenID Connect sign-ins. */
    "CREATE TABLE admin_account(name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT,"
    "  disabled INTEGER NOT NULL DEFAULT 0, oidc INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,"
    "  last_login INTEGER);"
    "CREATE TABLE admin_session(id TEXT PRIMARY KEY, account TEXT NOT NULL, csrf TEXT NOT NULL,"
    "  via TEXT NOT NULL, created INTEGER NOT NULL, seen INTEGER NOT NULL);"
    "CREATE INDEX admin_session_account ON admin_session(account);"
    "CREATE TABLE admin_login_fail(seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL,"
    "  address TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE INDEX admin_login_fail_account ON admin_login_fail(account, at);"
    "CREATE INDEX admin_login_fail_address ON admin_login_fail(address, at);"
    "CREATE TABLE admin_audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, account TEXT,"
    "  address TEXT, action TEXT NOT NULL, target TEXT, detail TEXT);"
    "CREATE TABLE admin_oidc_pending(state TEXT PRIMARY KEY, nonce TEXT NOT NULL, verifier TEXT NOT NULL,"
    "  created INTEGER NOT NULL);",
    /* 10: the ledger's journal (src/access/ledger.c). A response appends
     * the persons it disclosed to ledger_journal, a few pages per commit
     * whatever the persons; a fold moves many responses' rows into ledger
     * at once, in key order. Upserting ledger per response touched a page
     * per person: a full walk wrote its whole B-tree to the WAL once per
     * page. The journal has no index, so that an append is only an append;
     * readers fold it first. ledger is keyed by client first, so that a fold rewrites the
     * folded clients' rows only; ledger_person answers the Art. 15
     * question. */
    "CREATE TABLE ledger_journal(person TEXT NOT NULL, client TEXT NOT NULL, channel TEXT NOT NULL,"
    "  cats INTEGER NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE ledger_new(client TEXT NOT NULL, channel TEXT NOT NULL, person TEXT NOT NULL,"
    "  cats INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,"
    "  PRIMARY KEY(client, channel, person)) WITHOUT ROWID;"
    "INSERT INTO ledger_new(client, channel, person, cats, first, last)"
    "  SELECT client, channel, person, cats, first, last FROM ledger ORDER BY client, channel, person;"
    "DROP TABLE ledger;"
    "ALTER TABLE ledger_new RENAME TO ledger;"
    "CREATE INDEX ledger_person ON ledger(person);",
    /* 11: one journal row per response, its persons packed as a JSON
     * object {"person": categories}: a page of 1000 persons is one row
     * of a few pages, not 1000 rows to insert. seq orders the rows, so a
     * fold takes them in bounded chunks. The rows of migration 10's
     * journal are folded first; ledger_pending shows the journal unpacked
     * (tests and operators read ledger and ledger_pending together). */
    "INSERT INTO ledger(client, channel, person, cats, first, last)"
    "  SELECT client, channel, person, cats, at, at FROM ledger_journal WHERE true"
    "  ORDER BY client, channel, person, at"
    "  ON CONFLICT(client, channel, person) DO UPDATE SET cats=ledger.cats|excluded.cats,"
    "  last=max(ledger.last, excluded.last);"
    "DROP TABLE ledger_journal;"
    "CREATE TABLE ledger_journal(seq INTEGER PRIMARY KEY, client TEXT NOT NULL, channel TEXT NOT NULL,"
    "  at INTEGER NOT NULL, persons TEXT NOT NULL);"
    "CREATE VIEW ledger_pending AS SELECT j.client AS client, j.channel AS channel, e.key AS person,"
    "  e.value AS cats, j.at AS at FROM ledger_journal j, json_each(j.persons) e;",
    /* 12: the ledger keyed by a small integer per (client, channel), its
     * reader: every key of 11's ledger began with the same 36-character
     * client id, and the fold spent its time comparing those bytes. The
     * rows are ledger_row(reader, person); ledger is a view with 11's
     * columns, so what reads it reads on. No index by person: the Art. 15
     * question looks a person up under each reader (a point read each),
     * and one B-tree is all a fold has to write. The journal keeps the
     * client and channel as text (one row per response costs nothing to
     * compare); its persons are grouped by categories,
     * {"categories": ["person", ...]}, written once per response rather
     * than once per person; AUTOINCREMENT keeps seq growing even after a
     * fold empties it, which a fold that reads before it writes relies on
     * (src/access/ledger_fold.c). The rows of 11's journal are folded
     * first. */
    "CREATE TABLE ledger_reader(id INTEGER PRIMARY KEY, client TEXT NOT NULL, channel TEXT NOT NULL,"
    "  UNIQUE(client, channel));"
    "INSERT INTO ledger_reader(client, channel)"
    "  SELECT client, channel FROM ledger UNION SELECT client, channel FROM ledger_journal ORDER BY 1, 2;"
    "CREATE TABLE ledger_row(reader INTEGER NOT NULL, person TEXT NOT NULL, cats INTEGER NOT NULL,"
    "  first INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY(reader, person)) WITHOUT ROWID;"
    "INSERT INTO ledger_row(reader, person, cats, first, last)"
    "  SELECT r.id, l.person, l.cats, l.first, l.last FROM ledger l"
    "  JOIN ledger_reader r ON r.client=l.client AND r.channel=l.channel ORDER BY 1, 2;"
    "INSERT INTO ledger_row(reader, person, cats, first, last)"
    "  SELECT r.id, e.key, e.value, j.at, j.at FROM ledger_journal j"
    "  JOIN ledger_reader r ON r.client=j.client AND r.channel=j.channel, json_each(j.persons) e"
    "  WHERE true ORDER BY j.seq"
    "  ON CONFLICT(reader, person) DO UPDATE SET cats=ledger_row.cats|excluded.cats,"
    "  first=min(ledger_row.first, excluded.first), last=max(ledger_row.last, excluded.last);"
    "DROP VIEW ledger_pending;"
    "DROP TABLE ledger_journal;"
    "DROP TABLE ledger;"
    "CREATE TABLE ledger_journal(seq INTEGER PRIMARY KEY AUTOINCREMENT, client TEXT NOT NULL,"
    "  channel TEXT NOT NULL, at INTEGER NOT NULL, persons TEXT NOT NULL);"
    /* CROSS JOIN: SQLite then always goes from the readers (few) to their
     * rows by key, also for a person, which it would otherwise look for by
     * reading every row. */
    "CREATE VIEW ledger AS SELECT r.client AS client, r.channel AS channel, l.person AS person,"
    "  l.cats AS cats, l.first AS first, l.last AS last FROM ledger_reader r CROSS JOIN ledger_row l"
    "  WHERE l.reader=r.id;"
    "CREATE VIEW ledger_pending AS SELECT j.client AS client, j.channel AS channel, p.value AS person,"
    "  CAST(g.key AS INTEGER) AS cats, j.at AS at FROM ledger_journal j, json_each(j.persons) g,"
    "  json_each(g.value) p;",
    /* 13: the person's entity key (peid) in prel, so that a school's
     * relation set is read as entity keys in arrival order: a page of
     * /persons?relationship.* no longer looks every candidate person up by
     * id to learn its eid. peid is the eid of the person entity (kind 1)
     * named by prel.person, NULL while no such person is stored; the store
     * resolves it when it writes a row and sets it again when the person
     * is created or deleted (store_sqlite.c fix_peid). prel_org takes the
     * place of (type, org, person) and still covers person, which the
     * access scope's sets read; no index more to write on ingest. */
    "DROP INDEX prel_org;"
    "ALTER TABLE prel ADD COLUMN peid INTEGER;"
    "UPDATE prel SET peid=(SELECT e.eid FROM entity e WHERE e.kind=1 AND e.id=prel.person);"
    "CREATE INDEX prel_org ON prel(type, org, peid, person);",
    /* 14: the request log and the ledger's journal move to the log file
     * beside the store (store_sqlite.c, "the log file"), which has its own
     * versions; their rows were copied there before this runs. */
    "DROP VIEW ledger_pending;"
    "DROP TABLE request_log;"
    "DROP TABLE ledger_journal;",
    /* 15: scope exits of every kind, not only persons. What a client
     * received of a kind other than Person is kept as the persons are, in
     * ledger_row, under a reader of its own per (client, channel, kind),
     * so the fold needs nothing new; the view ledger (the persons, for
     * audits) reads the Person readers only. scope_exit gains the kind;
     * subscription.scope_at is the last access event (a grant, say) its
     * dispatcher has looked for exits after (src/outbound/dispatch.c). */
    "CREATE TABLE ledger_reader_15(id INTEGER PRIMARY KEY, client TEXT NOT NULL, channel TEXT NOT NULL,"
    "  kind INTEGER NOT NULL DEFAULT 1, UNIQUE(client, channel, kind));"
    "INSERT INTO ledger_reader_15(id, client, channel) SELECT id, client, channel FROM ledger_reader;"
    "DROP VIEW ledger;"
    "DROP TABLE ledger_reader;"
    "ALTER TABLE ledger_reader_15 RENAME TO ledger_reader;"
    "CREATE VIEW ledger AS SELECT r.client AS client, r.channel AS channel, l.person AS person,"
    "  l.cats AS cats, l.first AS first, l.last AS last FROM ledger_reader r CROSS JOIN ledger_row l"
    "  WHERE l.reader=r.id AND r.kind=1;"
    "CREATE TABLE scope_exit_15(client TEXT NOT NULL, kind INTEGER NOT NULL, id TEXT NOT NULL,"
    "  at INTEGER NOT NULL, PRIMARY KEY(client, kind, id)) WITHOUT ROWID;"
    "INSERT INTO scope_exit_15(client, kind, id, at) SELECT client, 1, person, at FROM scope_exit;"
    "DROP TABLE scope_exit;"
    "ALTER TABLE scope_exit_15 RENAME TO scope_exit;"
    "ALTER TABLE subscription ADD COLUMN scope_at INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX access_event_client ON access_event(client, at);",
};

/* The SQLite log file's own versions (store_sqlite.c, "the log file"):
 * the tables every response appends to. */
static const char *const sqlite_log_migrations[] = {
    /* 1 */
    "CREATE TABLE log.request_log(seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    "  client TEXT NOT NULL, credential TEXT, method TEXT NOT NULL, path TEXT NOT NULL, query TEXT,"
    "  status INTEGER NOT NULL, items INTEGER NOT NULL, bytes INTEGER NOT NULL, duration_ms INTEGER NOT NULL);"
    "CREATE INDEX log.request_log_client ON request_log(client, at);"
    "CREATE INDEX log.request_log_at ON request_log(at);"
    "CREATE TABLE log.ledger_journal(seq INTEGER PRIMARY KEY AUTOINCREMENT, client TEXT NOT NULL,"
    "  channel TEXT NOT NULL, at INTEGER NOT NULL, persons TEXT NOT NULL);"
    "CREATE VIEW log.ledger_pending AS SELECT j.client AS client, j.channel AS channel, p.value AS person,"
    "  CAST(g.key AS INTEGER) AS cats, j.at AS at FROM ledger_journal j, json_each(j.persons) g,"
    "  json_each(g.value) p;",
    /* 2: the kind of what a journal row lists (store migration 15); the
     * view ledger_pending, like ledger, shows the persons. */
    "ALTER TABLE log.ledger_journal ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;"
    "DROP VIEW log.ledger_pending;"
    "CREATE VIEW log.ledger_pending AS SELECT j.client AS client, j.channel AS channel, p.value AS person,"
    "  CAST(g.key AS INTEGER) AS cats, j.at AS at FROM ledger_journal j, json_each(j.persons) g,"
    "  json_each(g.value) p WHERE j.kind=1;",
};

#endif
