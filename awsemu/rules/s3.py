"""Amazon S3 rules: bucket names.

"General purpose bucket naming rules" (S3 User Guide,
https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3-63 characters; lowercase
letters, numbers, dots and hyphens; begin and end with a letter or number; no two adjacent periods; not
formatted as an IP address; not beginning with ``xn--``, ``sthree-``, ``amzn-s3-demo-``; not ending with
``-s3alias``, ``--ol-s3``, ``.mrap``, ``--x-s3``, ``--table-s3``. S3 answers ``InvalidBucketName``, "The
specified bucket is not valid."
"""

from __future__ import annotations

import ipaddress
import re

from awsemu.core import AwsError, validates

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid general purpose bucket name, or None."""
    if not _NAME.fullmatch(name):
        return "3-63 lowercase letters, numbers, dots and hyphens, beginning and ending with a letter or number"
    if ".." in name:
        return "no two adjacent periods"
    try:
        ipaddress.IPv4Address(name)
        return "not formatted as an IP address"
    except ValueError:
        pass
    if name.startswith(_PREFIXES) or name.endswith(_SUFFIXES):
        return f"no reserved prefix {_PREFIXES} or suffix {_SUFFIXES}"
    return None


@validates("s3", "CreateBucket")
def bucket_name(req) -> None:
    name = req.params.get("Bucket", "")
    if bucket_name_problem(name):
        raise AwsError("InvalidBucketName", "The specified bucket is not valid.")
