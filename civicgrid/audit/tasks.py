from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import chain


@db_periodic_task(crontab())
@lock_task("audit-seal")
def seal_audit_trail() -> int:
    """Every minute: seal the audit rows written since into the chain (audit.chain)."""
    return chain.seal()
