-- Jobs that must run on one instance at a time (each poller): who holds the job (the
-- instance and its run) and until when (Unix milliseconds). The holder renews the lease while
-- it lives; once it runs out, another instance takes the job over.
CREATE TABLE job_leases (
    job TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    run TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);
