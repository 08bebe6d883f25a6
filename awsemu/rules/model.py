"""The API reference's parameter constraints, for the services whose validation answer is known.

Each parameter in the AWS API reference lists its "Length Constraints", "Pattern", "Valid Range" and
"Valid Values"; they come from the service model botocore ships, and these services check every request
against them first, answering with one validation error that lists every violation
(``awsemu.rules.common.validation_message``). The error code differs per service:

- IAM: ``ValidationError`` (IAM API reference, "Common Errors"; e.g. CreateRole RoleName pattern
  ``[\\w+=,.@-]+``, length 1-64; Path ``(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)``, 1-512).
- Elastic Load Balancing v2: ``ValidationError`` (ELBv2 API reference, "Common Errors"; e.g.
  CreateTargetGroup HealthCheckIntervalSeconds 5-300, HealthCheckTimeoutSeconds 2-120, thresholds 2-10,
  HealthCheckPath 1-1024, Port 1-65535).
- CloudWatch Logs: ``InvalidParameterException`` (CreateLogGroup logGroupName pattern
  ``[\\.\\-_/#A-Za-z0-9]+``, length 1-512).
- CodePipeline: ``ValidationException`` (CreatePipeline: pipeline name ``[A-Za-z0-9.@\\-_]+``, 1-100).
- EventBridge: ``ValidationException`` (PutRule Name ``[\\.\\-_A-Za-z0-9]+``, 1-64).
- Application Auto Scaling: ``ValidationException`` (API reference, "Common Errors"; e.g. PutScalingPolicy
  PolicyName ``\\p{Print}+``, 1-256; ServiceNamespace, ScalableDimension and PredefinedMetricType enums;
  tag keys 1-128, values 0-256).

Services that answer such violations with errors of their own (ECS, ECR, CodeDeploy, CodeBuild,
CodeCommit, S3, EC2) have their rules in their own modules.
"""

from __future__ import annotations

from awsemu import shapes
from awsemu.core import AwsError, validates
from awsemu.rules.common import model_problems, validation_message

CODES = {
    "iam": "ValidationError",
    "elbv2": "ValidationError",
    "logs": "InvalidParameterException",
    "codepipeline": "ValidationException",
    "application-autoscaling": "ValidationException",
    "events": "ValidationException",
}


def check_model_constraints(req) -> None:
    """Reject a request that breaks its operation's modelled constraints, as the service does."""
    found = shapes.identify(req)
    if found is None:
        return
    model, op = found
    problems = model_problems(req.params, op.input_shape)
    if problems:
        raise AwsError(CODES[model.service_name], validation_message(problems))


for _service in CODES:
    validates(_service, "*")(check_model_constraints)
