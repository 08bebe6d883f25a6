"""The alb role against the test emulator: Molecule scenario, drift safety after a blue/green swap,
repair of foreign listeners, check mode, teardown, and input validation before any AWS call."""

from __future__ import annotations

from pathlib import Path

import pytest
from role_validation import run_invalid_cases

from tests.support import assert_molecule_passes

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
ROLE_PLAYBOOK = "tests/roles/playbooks/alb_role.yml"
STACK_PLAYBOOK = "playbooks/alb.yml"
TG1, TG2 = "helloapp-tg1", "helloapp-tg2"
# The stack's ownership tags (inventory/local: app_name helloapp, app_environment production).
OWNER_TAGS = {"application": "helloapp", "environment": "production", "managed-by": "fargatedemo.ecs_delivery"}


def elbv2_tags(aws, arn: str) -> dict[str, str]:
    (described,) = aws.boto3_client("elbv2").describe_tags(ResourceArns=[arn])["TagDescriptions"]
    return {t["Key"]: t["Value"] for t in described["Tags"]}


def listeners(aws) -> dict[int, dict]:
    elbv2 = aws.boto3_client("elbv2")
    lb = elbv2.describe_load_balancers(Names=["helloapp-alb"])["LoadBalancers"][0]
    return {item["Port"]: item for item in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}


def tg_arns(aws) -> dict[str, str]:
    groups = aws.boto3_client("elbv2").describe_target_groups(Names=[TG1, TG2])["TargetGroups"]
    return {g["TargetGroupName"]: g["TargetGroupArn"] for g in groups}


def forwards_to(listener: dict) -> dict[str, int]:
    """{target group ARN: weight} of a listener's forward action."""
    (action,) = listener["DefaultActions"]
    assert action["Type"] == "forward"
    groups = action.get("ForwardConfig", {}).get("TargetGroups")
    if groups:
        return {g["TargetGroupArn"]: g.get("Weight", 1) for g in groups}
    return {action["TargetGroupArn"]: 1}


def aws_requests(aws) -> list[dict]:
    return aws.admin("requests")["requests"]


@pytest.fixture(scope="module")
def stack(emulator, ansible_playbook):
    """A converged ALB stack (playbooks/alb.yml on an empty account), built once for the module's stack tests.

    They run after the tests that reset the emulator (`aws`), read-only checks first, then drift tests that
    each set up their own drift, and teardown last.
    """
    emulator.reset()
    result = ansible_playbook(STACK_PLAYBOOK)
    assert result.rc == 0, result
    assert result.changed() > 0, result
    return emulator


@pytest.mark.slow
def test_molecule_scenario(aws):
    assert_molecule_passes("alb", aws)


def test_check_mode_on_empty_account_creates_nothing(aws, ansible_playbook):
    result = ansible_playbook(STACK_PLAYBOOK, check=True)
    assert result.rc == 0, result
    assert result.changed() > 0, result
    assert aws.boto3_client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert aws.boto3_client("elbv2").describe_target_groups()["TargetGroups"] == []
    groups = aws.boto3_client("ec2").describe_security_groups()["SecurityGroups"]
    assert [g["GroupName"] for g in groups] == ["default"]


GOOD = {
    "alb_vpc_id": "vpc-0123456789abcdef0",
    "alb_subnet_ids": ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"],
}


INVALID = [
    ({"alb_production_port": 70000}, "alb_production_port"),
    ({"alb_test_port": 80}, "alb_test_port"),
    ({"alb_subnet_ids": ["subnet-0aaa1111bbbb2222c"]}, "alb_subnet_ids"),
    ({"alb_test_cidrs": ["10.0.0.0/33"]}, "alb_test_cidrs"),
    ({"alb_production_cidrs": ["300.1.2.0/24"]}, "alb_production_cidrs"),
    ({"alb_production_cidrs": ["0.0.0.0"]}, "alb_production_cidrs"),
    ({"alb_target_group_names": ["only-one"]}, "alb_target_group_names"),
    ({"alb_name": "-bad-"}, "alb_name"),
    ({"alb_health_check_timeout": 5}, "alb_health_check_timeout"),
    ({"alb_health_check_matcher": "600"}, "alb_health_check_matcher"),
    ({"alb_vpc_id": ""}, "alb_vpc_id"),
    ({"alb_scheme": "public"}, "alb_scheme"),
    ({"alb_certificate_arn": "arn:aws:iam::123456789012:server-certificate/x"}, "alb_certificate_arn"),
    ({"alb_ssl_policy": "TLS13"}, "alb_ssl_policy"),
    (
        {
            "alb_certificate_arn": "arn:aws:acm:ap-northeast-2:123456789012:certificate/"
            + "1" * 8
            + "-1111" * 3
            + "-"
            + "1" * 12,
            "alb_https_port": 8080,
        },
        "alb_https_port",
    ),
    ({"alb_access_logs_prefix": "/logs"}, "alb_access_logs_prefix"),
    ({"alb_access_logs_bucket": "Bad_Bucket"}, "alb_access_logs_bucket"),
]


def test_invalid_input_fails_before_any_aws_call(aws, ansible_playbook, tmp_path):
    messages = run_invalid_cases(ansible_playbook, tmp_path, "alb", [c for c, _ in INVALID], base_vars=GOOD)
    for (overrides, variable), message in zip(INVALID, messages, strict=True):
        assert message is not None and variable in message, (overrides, variable, message)
    assert aws_requests(aws) == [], "validation must fail before any AWS call"


def test_subnets_in_one_availability_zone_fail_before_anything_is_created(aws, ansible_playbook):
    ec2 = aws.boto3_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone="ap-northeast-2a")["Subnet"]["SubnetId"]
        for cidr in ("10.20.1.0/24", "10.20.2.0/24")
    ]
    result = ansible_playbook(ROLE_PLAYBOOK, extra_vars={"alb_vpc_id": vpc, "alb_subnet_ids": subnets})
    assert result.rc != 0, result
    assert "alb_subnet_ids" in result.stdout, result
    actions = {r["action"] for r in aws_requests(aws)}
    assert not {"CreateSecurityGroup", "CreateTargetGroup", "CreateLoadBalancer"} & actions


def test_converged_stack_matches_the_seed(stack):
    arns = tg_arns(stack)
    current = listeners(stack)
    assert sorted(current) == [80, 8080]
    assert forwards_to(current[80]) == {arns[TG1]: 1}
    assert forwards_to(current[8080]) == {arns[TG1]: 1}
    groups = stack.boto3_client("elbv2").describe_target_groups(Names=[TG1, TG2])["TargetGroups"]
    for group in groups:
        assert group["TargetType"] == "ip"
        assert group["Port"] == 8000
        assert group["HealthCheckPath"] == "/healthz"
        assert group["HealthCheckIntervalSeconds"] == 5
    ec2 = stack.boto3_client("ec2")
    sgs = {
        g["GroupName"]: g
        for g in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["helloapp-alb*"]}])[
            "SecurityGroups"
        ]
    }
    ingress = {p["FromPort"]: p for p in sgs["helloapp-alb"]["IpPermissions"]}
    assert [r["CidrIp"] for r in ingress[80]["IpRanges"]] == ["0.0.0.0/0"]
    assert 8080 not in ingress, "the test listener must be closed by default"
    (tasks_rule,) = sgs["helloapp-alb-tasks"]["IpPermissions"]
    assert tasks_rule["FromPort"] == 8000
    assert tasks_rule["IpRanges"] == []
    assert [p["GroupId"] for p in tasks_rule["UserIdGroupPairs"]] == [sgs["helloapp-alb"]["GroupId"]]
    # Everything carries the stack's ownership tags (the listeners through resource_tags).
    lb = stack.boto3_client("elbv2").describe_load_balancers(Names=["helloapp-alb"])["LoadBalancers"][0]
    for arn in [lb["LoadBalancerArn"], *arns.values(), *(item["ListenerArn"] for item in current.values())]:
        assert elbv2_tags(stack, arn) == OWNER_TAGS, arn
    for name, group in sgs.items():
        assert {t["Key"]: t["Value"] for t in group["Tags"]} == {**OWNER_TAGS, "Name": name}


def test_rerun_after_blue_green_swap_keeps_listeners(stack, ansible_playbook):
    arns = tg_arns(stack)
    current = listeners(stack)
    elbv2 = stack.boto3_client("elbv2")
    # What CodeDeploy leaves: production on tg2; the test listener mid-shift, weighted across both.
    elbv2.modify_listener(
        ListenerArn=current[80]["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": arns[TG2]}]
    )
    weighted = {
        "TargetGroups": [{"TargetGroupArn": arns[TG1], "Weight": 10}, {"TargetGroupArn": arns[TG2], "Weight": 90}]
    }
    elbv2.modify_listener(
        ListenerArn=current[8080]["ListenerArn"], DefaultActions=[{"Type": "forward", "ForwardConfig": weighted}]
    )
    aws_requests_before = len(aws_requests(stack))

    result = ansible_playbook(STACK_PLAYBOOK)
    assert result.rc == 0, result
    assert result.changed() == 0, result
    after = listeners(stack)
    assert forwards_to(after[80]) == {arns[TG2]: 1}
    assert forwards_to(after[8080]) == {arns[TG1]: 10, arns[TG2]: 90}
    actions = [r["action"] for r in aws_requests(stack)[aws_requests_before:]]
    assert "ModifyListener" not in actions and "CreateListener" not in actions

    check = ansible_playbook(STACK_PLAYBOOK, check=True)
    assert check.rc == 0, check
    assert check.changed() == 0, check


def test_listener_pointing_elsewhere_is_reset_to_the_first_target_group(stack, ansible_playbook):
    arns = tg_arns(stack)
    current = listeners(stack)
    fixed = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain"}}
    stack.boto3_client("elbv2").modify_listener(ListenerArn=current[8080]["ListenerArn"], DefaultActions=[fixed])

    result = ansible_playbook(STACK_PLAYBOOK)
    assert result.rc == 0, result
    assert result.changed() == 1, result
    assert forwards_to(listeners(stack)[8080]) == {arns[TG1]: 1}


def test_missing_listener_is_recreated_on_the_first_target_group(stack, ansible_playbook):
    arns = tg_arns(stack)
    elbv2 = stack.boto3_client("elbv2")
    current = listeners(stack)
    elbv2.modify_listener(
        ListenerArn=current[80]["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": arns[TG2]}]
    )
    elbv2.delete_listener(ListenerArn=current[8080]["ListenerArn"])

    result = ansible_playbook(STACK_PLAYBOOK)
    assert result.rc == 0, result
    after = listeners(stack)
    assert forwards_to(after[80]) == {arns[TG2]: 1}, "the live listener must stay on tg2"
    assert forwards_to(after[8080]) == {arns[TG1]: 1}


def test_absent_deletes_what_is_the_stacks_and_is_idempotent(stack, ansible_playbook):  # last: deletes the stack
    elbv2 = stack.boto3_client("elbv2")
    # A target group of the same name that is not the stack's (another team's) is left.
    elbv2.remove_tags(ResourceArns=[tg_arns(stack)[TG2]], TagKeys=["managed-by"])
    first = ansible_playbook(STACK_PLAYBOOK, extra_vars={"alb_state": "absent"})
    assert first.rc == 0, first
    assert first.changed() > 0, first
    assert f"Left target group {TG2}: not tagged as this stack" in first.stdout, first
    assert [g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"]] == [TG2]
    elbv2.delete_target_group(
        TargetGroupArn=elbv2.describe_target_groups(Names=[TG2])["TargetGroups"][0]["TargetGroupArn"]
    )
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert elbv2.describe_target_groups()["TargetGroups"] == []
    groups = stack.boto3_client("ec2").describe_security_groups()["SecurityGroups"]
    assert [g["GroupName"] for g in groups] == ["default"]
    second = ansible_playbook(STACK_PLAYBOOK, extra_vars={"alb_state": "absent"})
    assert second.rc == 0, second
    assert second.changed() == 0, second


def test_https_switch_keeps_production_live_redirects_80_and_is_idempotent(aws, ansible_playbook):
    """Issue 11, Deliver 1: an HTTP stack after a release (production on tg2) given app_certificate_arn gets a 443
    HTTPS listener on tg2 with the TLS 1.3 policy, 80 becomes the HTTP 301 redirect, the test listener HTTPS with
    the same certificate; the second run changes nothing; removing the certificate again is refused before any
    change; teardown turns deletion protection off first."""
    from tests.emulator.test_tls_listeners import self_signed

    cert, key = self_signed()
    certificate = aws.boto3_client("acm").import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    https_vars = {"app_certificate_arn": certificate, "app_alb_deletion_protection": True}
    first = ansible_playbook(STACK_PLAYBOOK)
    assert first.rc == 0, first
    arns = tg_arns(aws)
    elbv2 = aws.boto3_client("elbv2")
    elbv2.modify_listener(
        ListenerArn=listeners(aws)[80]["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": arns[TG2]}]
    )

    switched = ansible_playbook(STACK_PLAYBOOK, extra_vars=https_vars)
    assert switched.rc == 0, switched.stdout[-4000:]
    current = listeners(aws)
    assert sorted(current) == [80, 443, 8080]
    assert current[443]["Protocol"] == "HTTPS"
    assert current[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    assert current[443]["Certificates"][0]["CertificateArn"] == certificate
    assert forwards_to(current[443]) == {arns[TG2]: 1}, "production stays where it was live"
    (redirect,) = current[80]["DefaultActions"]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    assert redirect["RedirectConfig"]["Port"] == "443"
    assert redirect["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert current[8080]["Protocol"] == "HTTPS"
    assert current[8080]["Certificates"][0]["CertificateArn"] == certificate
    assert forwards_to(current[8080]) == {arns[TG1]: 1}
    lb = elbv2.describe_load_balancers(Names=["helloapp-alb"])["LoadBalancers"][0]
    attributes = {
        a["Key"]: a["Value"]
        for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]
    }
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["deletion_protection.enabled"] == "true"
    (group,) = aws.boto3_client("ec2").describe_security_groups(GroupNames=["helloapp-alb"])["SecurityGroups"]
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [80, 443]
    assert elbv2_tags(aws, current[443]["ListenerArn"]) == OWNER_TAGS

    again = ansible_playbook(STACK_PLAYBOOK, extra_vars=https_vars)
    assert again.rc == 0, again.stdout[-4000:]
    assert again.changed() == 0, again.stdout[-6000:]

    before = len(aws_requests(aws))
    refused = ansible_playbook(STACK_PLAYBOOK)
    assert refused.rc != 0, refused
    assert "alb_certificate_arn (app_certificate_arn) is empty" in refused.stdout, refused
    mutating = [
        r["action"] for r in aws_requests(aws)[before:] if not r["action"].startswith(("Describe", "Get", "List"))
    ]
    assert not {"CreateListener", "ModifyListener", "DeleteListener"} & set(mutating), mutating

    gone = ansible_playbook(STACK_PLAYBOOK, extra_vars={**https_vars, "alb_state": "absent"})
    assert gone.rc == 0, gone
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []


def test_https_native_rules_are_on_443_and_8080_not_on_the_redirect(aws, ansible_playbook):
    """An ECS-native stack created with a certificate: the rules ECS shifts are on the HTTPS production listener
    and the test listener; port 80 only redirects. A second run changes nothing."""
    from tests.emulator.test_tls_listeners import self_signed

    cert, key = self_signed()
    certificate = aws.boto3_client("acm").import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    extra = {"app_certificate_arn": certificate, "app_release_strategy": "blue_green"}
    first = ansible_playbook(STACK_PLAYBOOK, extra_vars=extra)
    assert first.rc == 0, first.stdout[-4000:]
    elbv2 = aws.boto3_client("elbv2")
    current = listeners(aws)
    rules = {
        port: [r for r in elbv2.describe_rules(ListenerArn=item["ListenerArn"])["Rules"] if not r["IsDefault"]]
        for port, item in current.items()
    }
    assert [r["Priority"] for r in rules[443]] == ["1"] and [r["Priority"] for r in rules[8080]] == ["1"]
    assert rules[80] == [], "the redirecting listener carries no rule"
    assert current[80]["DefaultActions"][0]["Type"] == "redirect"
    assert current[443]["Protocol"] == "HTTPS" and current[8080]["Protocol"] == "HTTPS"
    again = ansible_playbook(STACK_PLAYBOOK, extra_vars=extra)
    assert again.rc == 0, again.stdout[-4000:]
    assert again.changed() == 0, again.stdout[-6000:]


def test_access_logs_to_a_bucket_elb_may_write_and_idempotent(aws, ansible_playbook):
    """app_alb_access_logs_bucket with the policy the README shows turns access logs on; a second run changes
    nothing; without the policy AWS (and the emulator) refuse it, and the run fails."""
    import json

    s3 = aws.boto3_client("s3")
    bucket, prefix = "helloapp-alb-logs", "alb"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    extra = {"app_alb_access_logs_bucket": bucket, "app_alb_access_logs_prefix": prefix}
    refused = ansible_playbook(STACK_PLAYBOOK, extra_vars=extra)
    assert refused.rc != 0 and "Failed to modify load balancer attributes" in refused.stdout, refused.stdout[-3000:]
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::600734575887:root"},
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/{prefix}/AWSLogs/123456789012/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    first = ansible_playbook(STACK_PLAYBOOK, extra_vars=extra)
    assert first.rc == 0, first.stdout[-4000:]
    elbv2 = aws.boto3_client("elbv2")
    lb = elbv2.describe_load_balancers(Names=["helloapp-alb"])["LoadBalancers"][0]
    attributes = {
        a["Key"]: a["Value"]
        for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]
    }
    assert (attributes["access_logs.s3.enabled"], attributes["access_logs.s3.bucket"]) == ("true", bucket)
    assert attributes["access_logs.s3.prefix"] == prefix
    again = ansible_playbook(STACK_PLAYBOOK, extra_vars=extra)
    assert again.rc == 0 and again.changed() == 0, again.stdout[-6000:]
