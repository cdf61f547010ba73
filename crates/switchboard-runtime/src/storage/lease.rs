//! Claimed work is leased: hidden from other claimers until the lease runs out, and renewed
//! while it is worked on, so a slow item is never taken (and done again) by another instance
//! while one whose instance died is taken over soon. The webhook inbox and the channels'
//! queue both work this way.

use std::future::Future;
use std::time::Duration;

/// How long a claim hides its item. Short, so a crash delays the item by seconds, not a
/// minute (an instance that starts again releases its earlier run's leases at once).
pub const LEASE: Duration = Duration::from_secs(5);

/// How often the leases of items being worked on are extended: three tries per lease.
pub const RENEW: Duration = Duration::from_millis(1500);

/// The end of a lease taken at `now` (Unix milliseconds).
pub fn until(now: i64) -> i64 {
    now + LEASE.as_millis() as i64
}

/// Runs `work` and, beside it (never pausing it), `renew` every `every` after the first
/// period; the renewals end with the work.
pub async fn while_renewing<R>(
    work: impl Future<Output = ()>,
    every: Duration,
    mut renew: impl FnMut() -> R,
) where
    R: Future<Output = ()>,
{
    let renewals = async {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            renew().await;
        }
    };
    tokio::select! {
        () = work => {}
        () = renewals => {}
    }
}

/// A leased queue in the database: its table has `status` (`'pending'` while queued),
/// `next_attempt_at` (the lease's end while claimed), `claimed_by` and `claim_run`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeasedTable {
    /// The table.
    pub table: &'static str,
    /// What its rows are, for error messages ("webhook", "channel").
    pub what: &'static str,
}

impl LeasedTable {
    /// Extends to `until` the lease of every pending row `holder` (this run) holds; returns
    /// how many.
    pub(crate) async fn renew(
        self,
        db: &super::db::Db,
        holder: &super::inbox::Holder,
        until: i64,
    ) -> Result<u64, super::StoreError> {
        let sql = format!(
            "UPDATE {} SET next_attempt_at = $3 \
             WHERE claimed_by = $1 AND claim_run = $2 AND status = 'pending' \
             AND next_attempt_at < $3",
            self.table
        );
        super::db::on_pool!(db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&holder.instance)
                .bind(&holder.run)
                .bind(until)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(db.err(&format!("cannot renew {} leases in", self.what)))
    }

    /// At start-up: makes claimable at `now` the pending rows held by an earlier run. A SQLite
    /// file belongs to one process, so every earlier run is gone; several instances share a
    /// PostgreSQL database, so only this instance's earlier runs are known to be gone.
    pub(crate) async fn release(
        self,
        db: &super::db::Db,
        holder: &super::inbox::Holder,
        now: i64,
    ) -> Result<u64, super::StoreError> {
        let whose = db
            .dialect()
            .pick("claimed_by IS NOT NULL", "claimed_by = $1");
        let sql = format!(
            "UPDATE {} SET next_attempt_at = $3, claimed_by = NULL, claim_run = NULL \
             WHERE {whose} AND claim_run <> $2 AND status = 'pending'",
            self.table
        );
        super::db::on_pool!(db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&holder.instance)
                .bind(&holder.run)
                .bind(now)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(db.err(&format!("cannot release {} leases in", self.what)))
    }
}

/// Jobs run by one instance at a time (each poller), leased in `job_leases`: the holder
/// renews its lease every [`RENEW`]; once a holder has died its lease runs out within
/// [`LEASE`] and the next instance to ask takes the job over.
pub(crate) mod jobs {
    use crate::storage::StoreError;
    use crate::storage::db::{Db, on_pool};
    use crate::storage::inbox::Holder;

    /// Takes `job` for `holder` (this run) until [`super::until`]`(now)`, or renews it, unless
    /// another run holds it past `now`; true when `holder` holds it. One statement, so two
    /// instances asking at once cannot both win.
    pub(crate) async fn hold(
        db: &Db,
        job: &str,
        holder: &Holder,
        now: i64,
    ) -> Result<bool, StoreError> {
        on_pool!(db, pool => {
            sqlx::query(
                "INSERT INTO job_leases (job, holder, run, lease_until) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, run = excluded.run, \
                 lease_until = excluded.lease_until \
                 WHERE job_leases.lease_until < $5 \
                 OR (job_leases.holder = excluded.holder AND job_leases.run = excluded.run)",
            )
            .bind(job)
            .bind(&holder.instance)
            .bind(&holder.run)
            .bind(super::until(now))
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected() == 1)
        })
        .map_err(db.err("cannot take a job's lease in"))
    }

    /// At start-up: ends the job leases an earlier run held (every earlier run on SQLite,
    /// whose file belongs to one process; this instance's on PostgreSQL), so its jobs are
    /// taken over at once rather than when the leases run out.
    pub(crate) async fn release(db: &Db, holder: &Holder) -> Result<u64, StoreError> {
        let whose = db.dialect().pick("holder IS NOT NULL", "holder = $1");
        let sql = format!("UPDATE job_leases SET lease_until = 0 WHERE {whose} AND run <> $2");
        on_pool!(db, pool => {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&holder.instance)
                .bind(&holder.run)
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(db.err("cannot release job leases in"))
    }
}
