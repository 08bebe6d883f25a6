"""AWS Lambda: function configurations without the ``null`` members moto writes.

moto 5.2's ``LambdaFunction.get_configuration`` (CreateFunction, GetFunction, GetFunctionConfiguration,
ListFunctions) sends ``"KMSKeyArn": null``, ``"VpcConfig": null``, ``"SigningJobArn": null`` ... for settings a
function does not have; AWS leaves such members out (Lambda API reference, FunctionConfiguration). Lambda
speaks rest-json, which ``@after`` does not rewrite, so this wraps moto's method. The functions matter to
the emulator as ECS deployment lifecycle hook targets (``awsemu.services.ecs_native``).
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction

from awsemu.core import drop_nulls

_moto_get_configuration = LambdaFunction.get_configuration


def get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    return drop_nulls(_moto_get_configuration(self, on_create))


if getattr(LambdaFunction.get_configuration, "__module__", "") != __name__:
    LambdaFunction.get_configuration = get_configuration
