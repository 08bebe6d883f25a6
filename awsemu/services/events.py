"""EventBridge: moto's answers as AWS sends them.

ListRules and ListTargetsByRule: moto writes ``"NextToken": null`` on the last page; AWS leaves it out.
"""

from __future__ import annotations

from awsemu.core import after, drop_nulls


@after("events", "ListRules")
@after("events", "ListTargetsByRule")
def no_null_token(req, body):
    return drop_nulls(body)
