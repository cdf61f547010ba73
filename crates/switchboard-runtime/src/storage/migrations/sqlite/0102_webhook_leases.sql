-- Who holds a claimed event: the instance (stable across its restarts) and the run of it that
-- claimed the event. A restarting instance releases what its previous run held instead of
-- waiting for the lease to run out; a live run renews only its own. NULL: not claimed.
ALTER TABLE webhook_events ADD COLUMN claimed_by TEXT;
ALTER TABLE webhook_events ADD COLUMN claim_run TEXT;
