"""Background work: the outbox, its relay to RQ, the jobs and the worker process."""
