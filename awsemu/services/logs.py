"""CloudWatch Logs: moto's answers as AWS sends them.

DescribeLogGroups: moto writes ``"nextToken": null`` on the last page; AWS leaves the member out (botocore
hands the ``None`` to callers, who page on ``"nextToken" in answer``).
"""

from __future__ import annotations

from awsemu.core import after, drop_nulls


@after("logs", "DescribeLogGroups")
def no_null_token(req, body):
    return drop_nulls(body)
