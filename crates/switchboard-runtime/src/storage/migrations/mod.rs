//! Every store's schema, in one list per backend. The two dialects differ (types, partial
//! indexes), so each backend has its own files; the versions and descriptions match:
//! 0001 conversations, 0002 default conversations (`is_default`, unique per user), 0003
//! conversation messages (a row per message, appended by each save), 0101
//! webhooks, 0102 webhook leases, 0201 audit, 0301 accounts, 0302 OAuth login nonces, 0401 messaging channels.
//!
//! A file's text is part of its checksum, recorded in databases it ran on: change a schema by
//! adding a migration, never by editing one. New store, new hundred (0401...).

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// A migration compiled into the binary: version, description and SQL.
pub(super) type Embedded = (i64, &'static str, &'static str);

/// The embedded file's schema.
pub(super) const SQLITE: &[Embedded] = &[
    (
        1,
        "conversations",
        include_str!("sqlite/0001_conversations.sql"),
    ),
    (
        2,
        "default conversations",
        include_str!("sqlite/0002_default_conversations.sql"),
    ),
    (
        3,
        "conversation messages",
        include_str!("sqlite/0003_conversation_messages.sql"),
    ),
    (101, "webhooks", include_str!("sqlite/0101_webhooks.sql")),
    (
        102,
        "webhook leases",
        include_str!("sqlite/0102_webhook_leases.sql"),
    ),
    (
        103,
        "job leases",
        include_str!("sqlite/0103_job_leases.sql"),
    ),
    (201, "audit", include_str!("sqlite/0201_audit.sql")),
    (301, "accounts", include_str!("sqlite/0301_accounts.sql")),
    (
        302,
        "oauth logins",
        include_str!("sqlite/0302_oauth_logins.sql"),
    ),
    (401, "channels", include_str!("sqlite/0401_channels.sql")),
];

/// PostgreSQL's schema.
pub(super) const POSTGRES: &[Embedded] = &[
    (
        1,
        "conversations",
        include_str!("postgres/0001_conversations.sql"),
    ),
    (
        2,
        "default conversations",
        include_str!("postgres/0002_default_conversations.sql"),
    ),
    (
        3,
        "conversation messages",
        include_str!("postgres/0003_conversation_messages.sql"),
    ),
    (101, "webhooks", include_str!("postgres/0101_webhooks.sql")),
    (
        102,
        "webhook leases",
        include_str!("postgres/0102_webhook_leases.sql"),
    ),
    (
        103,
        "job leases",
        include_str!("postgres/0103_job_leases.sql"),
    ),
    (201, "audit", include_str!("postgres/0201_audit.sql")),
    (301, "accounts", include_str!("postgres/0301_accounts.sql")),
    (
        302,
        "oauth logins",
        include_str!("postgres/0302_oauth_logins.sql"),
    ),
    (401, "channels", include_str!("postgres/0401_channels.sql")),
];

/// Builds a migrator from migrations embedded with `include_str!`.
///
/// sqlx's `migrate!` macro needs sqlx's `macros` feature, which the workspace leaves off; this is
/// the same thing without it: the files are read at compile time and applied in version order.
///
/// What ran is recorded in `switchboard_migrations` rather than sqlx's default table, so a
/// PostgreSQL database shared with another sqlx application does not mix the two histories.
pub(super) fn migrator(embedded: &[Embedded]) -> Migrator {
    let migrations = embedded
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                description.into(),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    let mut migrator = Migrator::with_migrations(migrations);
    migrator.dangerous_set_table_name("switchboard_migrations");
    migrator
}

#[cfg(test)]
mod tests {
    /// The two lists must name the same migrations: a store's queries assume both backends
    /// have its tables.
    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |list: &[super::Embedded]| -> Vec<(i64, &str)> {
            list.iter().map(|&(v, d, _)| (v, d)).collect()
        };
        assert_eq!(names(super::SQLITE), names(super::POSTGRES));
    }
}
