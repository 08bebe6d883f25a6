"""S3: GetBucketRequestPayment, which moto does not implement.

moto answers ``GET /<bucket>?requestPayment`` as if it were ListObjects (a ``ListBucketResult``), so a client
reads no ``Payer`` (amazon.aws.s3_bucket reads it on every run). AWS answers the bucket's payer, which is
``BucketOwner`` unless PutBucketRequestPayment changed it (S3 API reference, GetBucketRequestPayment);
PutBucketRequestPayment is kept here too. A bucket that does not exist is ``NoSuchBucket``.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from moto.s3.models import s3_backends

from awsemu.core import STORE, AwsError, handles

NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _bucket(req) -> str:
    name = req.params.get("Bucket", "")
    backend = s3_backends[req.account_id]["aws"]
    if name not in backend.buckets:
        raise AwsError("NoSuchBucket", "The specified bucket does not exist", 404)
    return name


@handles("s3", "GetBucketRequestPayment")
def get_request_payment(req):
    payer = STORE.get(req, "s3-request-payment").get(_bucket(req), "BucketOwner")
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><RequestPaymentConfiguration xmlns="{NS}">'
        f"<Payer>{escape(payer)}</Payer></RequestPaymentConfiguration>"
    )
    return 200, {"Content-Type": "application/xml"}, body


@handles("s3", "PutBucketRequestPayment")
def put_request_payment(req):
    name = _bucket(req)
    found = re.search(r"<Payer>\s*([^<]+?)\s*</Payer>", req.raw.decode(errors="replace"))
    if found is None or found.group(1) not in ("Requester", "BucketOwner"):
        raise AwsError(
            "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"
        )
    STORE.get(req, "s3-request-payment")[name] = found.group(1)
    return 200, {}, b""
