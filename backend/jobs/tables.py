"""The job table: the outbox a use case writes in its own commit and workers drain."""

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Job(Table, tablename="jobs_job"):
    """One piece of work to do after the commit that wrote it (docs/jobs.md).

    A worker claims a due job by setting `locked_until` (a lease) and runs its handler; a worker
    killed mid-way leaves the lease to expire and another worker runs the job again, so handlers
    are idempotent. `key` (unique while set) keeps one job per thing, e.g. one execution per order.
    """

    id = UUID(primary_key=True)
    kind = Varchar(length=64, index=True)  # the handler's name, e.g. payments.execute
    payload = Text(default="{}")  # JSON: ids, never personal data
    key = Varchar(length=128, null=True, default=None, unique=True)  # de-duplication key, NULL for none
    state = Varchar(length=16, default="ready", index=True)  # ready | done | dead
    run_at = Timestamptz(index=True)  # due from (a failed attempt moves it by the back-off)
    locked_until = Timestamptz(null=True, default=None)  # leased by a worker until then
    locked_by = Varchar(length=64, default="")
    attempts = Integer(default=0)
    last_error = Varchar(length=500, default="")
    created_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)
