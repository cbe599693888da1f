-- A tern-server database made with schema version 9 (2026-12-02): users
-- alice/bob/carol (passwords password-<id>), two direct messages, an open
-- group "Team 团队" with a message from carol, and a notice to carol.
-- crates/server/tests/upgrade.rs opens it and upgrades it to the current head.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE applications (
        from_user  TEXT NOT NULL REFERENCES users(id),
        to_user    TEXT NOT NULL REFERENCES users(id),
        greeting   TEXT NOT NULL,
        state      TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (from_user, to_user)
    ) WITHOUT ROWID;
CREATE TABLE blacklist (
        owner      TEXT NOT NULL REFERENCES users(id),
        blocked    TEXT NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL,
        PRIMARY KEY (owner, blocked)
    ) WITHOUT ROWID;
CREATE TABLE changes (
        user    TEXT NOT NULL,
        version INTEGER NOT NULL,
        body    TEXT NOT NULL,
        PRIMARY KEY (user, version)
    ) WITHOUT ROWID;
INSERT INTO "changes" VALUES('alice',1,'{"kind":"group_joined","group":{"group":"9d3bf285ffe0a5bb","name":"Team 团队","avatar":null,"notice":"","owner":"alice","join_policy":"open","all_muted":false,"member_count":3,"created_at":1796235270819,"history_visible":false},"member":{"user":"alice","role":"owner","muted_until":null,"joined_at":1796235270819}}');
INSERT INTO "changes" VALUES('bob',1,'{"kind":"group_joined","group":{"group":"9d3bf285ffe0a5bb","name":"Team 团队","avatar":null,"notice":"","owner":"alice","join_policy":"open","all_muted":false,"member_count":3,"created_at":1796235270819,"history_visible":false},"member":{"user":"bob","role":"member","muted_until":null,"joined_at":1796235270819}}');
INSERT INTO "changes" VALUES('carol',1,'{"kind":"group_joined","group":{"group":"9d3bf285ffe0a5bb","name":"Team 团队","avatar":null,"notice":"","owner":"alice","join_policy":"open","all_muted":false,"member_count":3,"created_at":1796235270819,"history_visible":false},"member":{"user":"carol","role":"member","muted_until":null,"joined_at":1796235270819}}');
CREATE TABLE conversations (
        id         TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        max_seq    INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        last_at    INTEGER NOT NULL
    , recall_version INTEGER NOT NULL DEFAULT 0);
INSERT INTO "conversations" VALUES('d:alice:bob','direct',2,1796235270778,1796235270792,0);
INSERT INTO "conversations" VALUES('g:9d3bf285ffe0a5bb','group',1,1796235270819,1796235271132,0);
INSERT INTO "conversations" VALUES('d:carol:system','direct',1,1796235271168,1796235271168,0);
CREATE TABLE deleted_users (
        id         TEXT PRIMARY KEY,
        deleted_at INTEGER NOT NULL
    ) WITHOUT ROWID;
CREATE TABLE file_refs (
        file       TEXT NOT NULL,
        conv       TEXT NOT NULL,
        created_at INTEGER NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (file, conv)
    ) WITHOUT ROWID;
CREATE TABLE files (
        id         TEXT PRIMARY KEY,
        sha256     TEXT NOT NULL,
        size       INTEGER NOT NULL,
        mime       TEXT NOT NULL,
        name       TEXT NOT NULL,
        uploader   TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
CREATE TABLE friends (
        owner  TEXT NOT NULL REFERENCES users(id),
        friend TEXT NOT NULL REFERENCES users(id),
        remark TEXT NOT NULL DEFAULT '',
        since  INTEGER NOT NULL,
        PRIMARY KEY (owner, friend)
    ) WITHOUT ROWID;
CREATE TABLE group_applications (
        grp        TEXT NOT NULL,
        user       TEXT NOT NULL,
        message    TEXT NOT NULL,
        state      TEXT NOT NULL,
        handled_by TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (grp, user)
    ) WITHOUT ROWID;
CREATE TABLE groups (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        avatar      TEXT,
        notice      TEXT NOT NULL DEFAULT '',
        owner       TEXT NOT NULL,
        join_policy TEXT NOT NULL,
        all_muted   INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        dismissed_at INTEGER
    , history_visible INTEGER NOT NULL DEFAULT 0);
INSERT INTO "groups" VALUES('9d3bf285ffe0a5bb','Team 团队',NULL,'','alice','open',0,1796235270819,NULL,0);
CREATE TABLE members (
        conv      TEXT NOT NULL REFERENCES conversations(id),
        user      TEXT NOT NULL REFERENCES users(id),
        read_seq  INTEGER NOT NULL DEFAULT 0,
        joined_at INTEGER NOT NULL, role TEXT NOT NULL DEFAULT 'member', muted_until INTEGER, visible_from INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (conv, user)
    ) WITHOUT ROWID;
INSERT INTO "members" VALUES('d:alice:bob','alice',1,1796235270778,'member',NULL,0);
INSERT INTO "members" VALUES('d:alice:bob','bob',2,1796235270778,'member',NULL,0);
INSERT INTO "members" VALUES('d:carol:system','carol',0,1796235271168,'member',NULL,0);
INSERT INTO "members" VALUES('d:carol:system','system',1,1796235271168,'member',NULL,0);
INSERT INTO "members" VALUES('g:9d3bf285ffe0a5bb','alice',0,1796235270819,'owner',NULL,0);
INSERT INTO "members" VALUES('g:9d3bf285ffe0a5bb','bob',0,1796235270819,'member',NULL,0);
INSERT INTO "members" VALUES('g:9d3bf285ffe0a5bb','carol',1,1796235270819,'member',NULL,0);
CREATE TABLE messages (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        conv        TEXT NOT NULL REFERENCES conversations(id),
        seq         INTEGER NOT NULL,
        sender      TEXT NOT NULL,
        client_id   TEXT NOT NULL,
        sent_at     INTEGER NOT NULL,
        content     TEXT NOT NULL,
        ext         TEXT,
        recalled_at INTEGER, recall_version INTEGER,
        UNIQUE (conv, seq),
        UNIQUE (sender, client_id)
    );
INSERT INTO "messages" VALUES(1,'d:alice:bob',1,'alice','c1',1796235270778,'{"type":"text","text":"hello bob 你好"}',NULL,NULL,NULL);
INSERT INTO "messages" VALUES(2,'d:alice:bob',2,'bob','c2',1796235270792,'{"type":"text","text":"hi alice"}',NULL,NULL,NULL);
INSERT INTO "messages" VALUES(3,'g:9d3bf285ffe0a5bb',1,'carol','c3',1796235271132,'{"type":"text","text":"group hello"}',NULL,NULL,NULL);
INSERT INTO "messages" VALUES(4,'d:carol:system',1,'system','n1',1796235271168,'{"type":"system","text":"maintenance tonight"}',NULL,NULL,NULL);
CREATE TABLE minted_tokens (
        session    TEXT PRIMARY KEY,
        user       TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
CREATE TABLE sessions (
        id         TEXT PRIMARY KEY,
        user       TEXT NOT NULL REFERENCES users(id),
        platform   TEXT NOT NULL,
        device     TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0
    );
CREATE TABLE users (
        id            TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        nickname      TEXT NOT NULL DEFAULT '',
        avatar        TEXT,
        signature     TEXT NOT NULL DEFAULT '',
        created_at    INTEGER NOT NULL,
        version       INTEGER NOT NULL DEFAULT 0
    , changes_floor INTEGER NOT NULL DEFAULT 0);
INSERT INTO "users" VALUES('system','!','System',NULL,'',1796235265855,0,0);
INSERT INTO "users" VALUES('alice','$argon2id$v=19$m=19456,t=2,p=1$8HWbvSjoX1eBu/q8m/842w$iHxycEP5ws6AiXzRF4jEObly8Flom8xFc00RMElFRWA','alice 你好',NULL,'',1796235268735,1,0);
INSERT INTO "users" VALUES('bob','$argon2id$v=19$m=19456,t=2,p=1$qKANtlJLoWKwJDnklE7XNQ$GDPDfmoApx8k7Ffh6XkS/KHBZLyyHzSoQBqdcAsM8JE','bob 你好',NULL,'',1796235269742,1,0);
INSERT INTO "users" VALUES('carol','$argon2id$v=19$m=19456,t=2,p=1$Js6ReGgxOv+tRBE5KPYx8g$codinjUtBMFhwmv9AKb+UoXEKxgqB1IUVhIDv25AK4g','carol 你好',NULL,'',1796235270761,1,0);
CREATE INDEX sessions_by_user ON sessions(user, revoked);
CREATE INDEX friends_by_friend ON friends(friend);
CREATE INDEX applications_to ON applications(to_user);
CREATE INDEX members_by_user ON members(user);
CREATE INDEX minted_tokens_by_user ON minted_tokens(user);
CREATE UNIQUE INDEX messages_recalls ON messages(conv, recall_version)
        WHERE recall_version IS NOT NULL;
CREATE INDEX files_by_sha256 ON files(sha256);
CREATE INDEX users_by_avatar ON users(avatar) WHERE avatar IS NOT NULL;
CREATE INDEX files_by_uploader ON files(uploader);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('messages',4);
COMMIT;
PRAGMA user_version=9;
