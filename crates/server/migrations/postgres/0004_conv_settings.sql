-- Settings that follow a user across devices (issue 18): per-conversation
-- pin / mute / archive / draft / clear history, and account-wide notification
-- preferences. `body` is the JSON of tern-proto's ConvSettings /
-- AccountSettings; `pin_order` is kept as a column to find the highest pin.
CREATE TABLE conv_settings (
    user_id   TEXT NOT NULL,
    conv      TEXT NOT NULL,
    pin_order BIGINT,
    body      TEXT NOT NULL,
    PRIMARY KEY (user_id, conv)
);
CREATE TABLE account_settings (
    user_id TEXT PRIMARY KEY,
    body    TEXT NOT NULL
);
