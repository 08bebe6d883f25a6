"""Speed-ups for moto in a long-running server that is reset between tests (behaviour unchanged).

With AWS managed policies loaded (MOTO_IAM_LOAD_MANAGED_POLICIES=true, as the stack needs), moto
spends seconds per test in IAM set-up:

1. ``get_account_id_from`` (run on every request to find the caller's account) indexes the account's
   IAM backend for each of six partitions, which builds five IAM backends nobody uses, each parsing
   and instantiating ~1,600 managed policies. We look only at partitions that already exist: an
   access key can only live in a backend that exists.
2. Each IAM backend parses the same 2 MB JSON of managed policies again; we parse it once.
3. moto's reset re-initialises every backend (rebuilding all of the above) and then throws them all
   away; we drop them without the rebuild. Server mode holds no references to old backends, so
   there is nothing for the rebuild to keep valid.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

_APPLIED = False
_POLICY_DATA: list[tuple[str, dict[str, Any]]] | None = None


def apply() -> None:
    """Install the patches once per process."""
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    from moto.iam import models as iam_models

    def get_account_id_from(access_key: str) -> str:
        for account_id, account in list(iam_models.iam_backends.items()):
            for backend in list(account.values()):  # only the partitions already built
                if access_key in backend.access_keys:
                    return account_id
        return iam_models.DEFAULT_ACCOUNT_ID

    def _init_aws_policies(self: Any) -> list[Any]:
        if not iam_models.load_iam_aws_managed_policies():
            return []
        return [
            iam_models.AWSManagedPolicy(name, account_id=self.account_id, region=self.region_name, **kwargs)
            for name, kwargs in _managed_policy_data()
        ]

    iam_models.get_account_id_from = get_account_id_from
    iam_models.IAMBackend._init_aws_policies = _init_aws_policies


def _managed_policy_data() -> list[tuple[str, dict[str, Any]]]:
    global _POLICY_DATA
    if _POLICY_DATA is None:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        _POLICY_DATA = [
            (
                name,
                {
                    "default_version_id": data.get("DefaultVersionId"),
                    "path": data.get("Path"),
                    "document": json.dumps(data.get("Document")),
                    "create_date": datetime.fromisoformat(data["CreateDate"]),
                    "update_date": datetime.fromisoformat(data["UpdateDate"]),
                },
            )
            for name, data in json.loads(aws_managed_policies_data).items()
        ]
    return _POLICY_DATA


def drop_backends() -> None:
    """Forget every moto backend without rebuilding it first (moto's reset then has nothing to do)."""
    from moto.core.base_backend import BackendDict, backend_lock

    with backend_lock:
        for backend in BackendDict._instances:
            # S3 keeps a registry of bucket names shared by all accounts (bucket_accounts) beside its backends,
            # and S3Backend.reset is what unregisters the buckets (and closes the files behind their objects).
            # Dropping the backends without it leaves names pointing at an account whose new backend lacks
            # them: moto's get_bucket then follows the stale entry back to itself until RecursionError (500).
            # S3's backends are cheap to reset, so they get moto's own reset first.
            if hasattr(backend, "bucket_accounts"):
                for account_backends in list(backend.values()):
                    account_backends.reset()
                backend.bucket_accounts.clear()
            backend.clear()
        BackendDict._instances.clear()
