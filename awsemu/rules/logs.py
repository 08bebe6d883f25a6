"""CloudWatch Logs rules the model does not carry (names and lengths are in ``rules.model``)."""

from __future__ import annotations

from awsemu.core import AwsError, validates
from awsemu.rules.common import problem, validation_message

# PutRetentionPolicy retentionInDays, "Valid Values: 1 | 3 | 5 | 7 | 14 | 30 | 60 | 90 | 120 | 150 | 180 | 365 |
# 400 | 545 | 731 | 1096 | 1827 | 2192 | 2557 | 2922 | 3288 | 3653" (CloudWatch Logs API reference,
# PutRetentionPolicy); botocore's model types it as a plain integer, and moto stores any value.
RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@validates("logs", "PutRetentionPolicy")
def retention_days(req) -> None:
    days = req.params.get("retentionInDays")
    if days not in RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in RETENTION_DAYS)
        raise AwsError(
            "InvalidParameterException",
            validation_message([problem(days, "retentionInDays", f"Member must satisfy enum value set: [{allowed}]")]),
        )
