"""The hardened container definition and the execution role's secrets policy (plugin_utils/task_hardening.py and
the ``hardened_container`` / ``secrets_policy`` filters), without Ansible runs."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.task_hardening import (
    hardened_container,
    secrets_policy,
)
from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils import task_hardening

BASE = {"name": "helloapp", "image": "r/helloapp:1", "essential": True}
SECRET = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:helloapp/db-AbCdEf"
GOV_SECRET = "arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-Zz09Yy"
PARAMETER = "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/helloapp/api-key"
KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_defaults_harden_everything_fargate_allows():
    out = hardened_container(BASE, user="10001:10001")
    assert out == {
        **BASE,
        "readonlyRootFilesystem": True,
        "user": "10001:10001",
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
    }
    assert BASE == {"name": "helloapp", "image": "r/helloapp:1", "essential": True}  # the input is not changed


@pytest.mark.parametrize(
    ("kwargs", "absent"),
    [
        ({"readonly_root_filesystem": False}, "readonlyRootFilesystem"),
        ({"user": ""}, "user"),
        ({"drop_capabilities": False, "init_process": False}, "linuxParameters"),
    ],
)
def test_each_field_turns_off_and_is_then_left_out(kwargs, absent):
    out = hardened_container(BASE, **{"user": "10001:10001", **kwargs})
    assert absent not in out


def test_one_linux_parameter_off_keeps_the_other():
    assert hardened_container(BASE, init_process=False)["linuxParameters"] == {"capabilities": {"drop": ["ALL"]}}
    assert hardened_container(BASE, drop_capabilities=False)["linuxParameters"] == {"initProcessEnabled": True}


def test_secrets_become_value_from_pairs_sorted_by_name():
    out = hardened_container(BASE, secrets={"ZED": PARAMETER, "DB_PASSWORD": SECRET + ":password::"})
    assert out["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": SECRET + ":password::"},
        {"name": "ZED", "valueFrom": PARAMETER},
    ]
    assert "secrets" not in hardened_container(BASE, secrets={})


@pytest.mark.parametrize(
    "value",
    [
        {"DB": "plain-text-password"},
        {"DB": "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:db"},  # partial ARN: no 6-char suffix
        {"DB": "arn:aws:s3:::bucket/key"},
        {"DB": SECRET + ":password"},  # ECS wants json-key:version-stage:version-id
        {"1DB": SECRET},
        ["DB", SECRET],
    ],
)
def test_secrets_other_than_named_arns_are_refused(value):
    assert not task_hardening.secrets_ok(value)
    with pytest.raises(AnsibleFilterError, match="Secrets Manager"):
        hardened_container(BASE, secrets=value)


def test_arn_shapes_take_any_partition():
    for arn in (SECRET, GOV_SECRET, PARAMETER, SECRET + ":password:AWSCURRENT:"):
        assert task_hardening.secret_reference(arn) is not None, arn
    assert task_hardening.secret_reference(GOV_SECRET)["partition"] == "aws-us-gov"


def test_policy_names_exactly_the_secrets_and_no_kms_without_a_key():
    policy = secrets_policy({"DB": SECRET + ":password::", "DB_USER": SECRET + ":user::", "KEY": PARAMETER})
    assert policy == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadContainerSecrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": [SECRET]},
            {"Sid": "ReadContainerParameters", "Effect": "Allow", "Action": ["ssm:GetParameters"],
             "Resource": [PARAMETER]},
        ],
    }  # fmt: skip


def test_policy_with_a_key_decrypts_with_that_key_only():
    statements = secrets_policy({"DB": SECRET}, KEY)["Statement"]
    assert [s["Action"] for s in statements] == [["secretsmanager:GetSecretValue"], ["kms:Decrypt"]]
    assert statements[-1]["Resource"] == [KEY]


def test_policy_from_the_iam_roles_list_of_arns():
    assert secrets_policy([SECRET + ":password::", PARAMETER]) == secrets_policy({"A": SECRET, "B": PARAMETER})
    with pytest.raises(AnsibleFilterError, match="distinct"):
        secrets_policy(["not-an-arn"])


def test_no_secrets_no_policy():
    assert secrets_policy({}) is None
    assert secrets_policy(None, KEY) is None


@pytest.mark.parametrize(("user", "ok", "root"), [("10001:10001", True, False), ("app", True, False),
                                                 ("0", True, True), ("root:root", True, True), ("a b", False, False),
                                                 (10001, False, False)])  # fmt: skip
def test_container_user(user, ok, root):
    assert task_hardening.container_user_ok(user) is ok
    assert task_hardening.runs_as_root(user) is root


# --- the pre-flight (input_problems over limits' contracts): each message names the variable
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.input_problems import input_problems  # noqa: E402


@pytest.mark.parametrize(
    ("contract", "values", "named", "words"),
    [
        ("inventory", {"app_container_secrets": {"DB": "hunter2"}}, "app_container_secrets", "Secrets Manager"),
        ("inventory", {"app_container_user": "a user"}, "app_container_user", "uid:gid"),
        ("inventory", {"app_container_user": "0:0"}, "app_container_user", "root"),
        ("inventory", {"app_readonly_root_filesystem": "sometimes"}, "app_readonly_root_filesystem", ""),
        ("inventory", {"app_container_secrets_kms_key_arn": "alias/x"}, "app_container_secrets_kms_key_arn", "KMS"),
        ("inventory", {"app_container_secrets_kms_key_arn": KEY}, "app_container_secrets_kms_key_arn", "empty"),
        (
            "inventory",
            {"app_container_secrets": {"DB": SECRET}, "app_container_environment": {"DB": "x"}},
            "app_container_secrets",
            "app_container_environment",
        ),
        (
            "ecs_service",
            {"ecs_service_container_secrets": {"DB": "arn:aws:s3:::b/k"}},
            "ecs_service_container_secrets",
            "",
        ),
        ("ecs_service", {"ecs_service_container_user": "root"}, "ecs_service_container_user", "non-root"),
        (
            "ecs_service",
            {"ecs_service_container_secrets": {"A": PARAMETER}, "ecs_service_container_environment": {"A": "1"}},
            "ecs_service_container_secrets",
            "once",
        ),
        ("iam", {"iam_task_execution_secret_arns": [SECRET, SECRET]}, "iam_task_execution_secret_arns", "distinct"),
        ("iam", {"iam_task_execution_secret_arns": ["db-password"]}, "iam_task_execution_secret_arns", "ARNs"),
    ],
)
def test_preflight_names_the_variable(contract, values, named, words):
    found = [m for m in input_problems(values, contract) if m.startswith(named + " ")]
    assert found, input_problems(values, contract)
    assert words in found[0]
    assert "hunter2" not in " ".join(input_problems(values, contract))  # a pasted secret value is never shown


def test_preflight_accepts_the_defaults_and_good_secrets():
    good = {
        "app_container_secrets": {"DB": SECRET + ":password::", "KEY": PARAMETER},
        "app_container_secrets_kms_key_arn": KEY,
        "app_container_user": "10001:10001",
        "app_readonly_root_filesystem": True,
        "app_container_drop_capabilities": False,
        "app_container_init_process": True,
        "app_container_environment": {"PORT": "8000"},
    }
    assert [m for m in input_problems(good, "inventory") if m.startswith(tuple(good))] == []
    role = {"ecs_service_container_user": "", "ecs_service_container_secrets": {}}
    assert [m for m in input_problems(role, "ecs_service") if m.startswith(tuple(role))] == []
