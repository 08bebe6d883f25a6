"""A native service cannot go back to rolling in place (issue 12): every stack playbook refuses it right after the
stack facts, naming app_release_strategy, with read-only calls only (it used to fail late at UpdateService with
"alternateTargetGroupArn is required" after IAM and the load balancer had been converged).

The service is made with boto3 (a BLUE_GREEN service of inventory/local's names); the playbook is playbooks/iam.yml,
the first play of site.yml that changes anything. The filter's other cases are unit tests
(tests/unit/test_controller_migration_filters.py).
"""

from __future__ import annotations

import json

from tests.support import default_network, ip_target_group

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
READ_ONLY = ("Describe", "Get", "List")


def _native_service(aws) -> None:
    ec2, elbv2, ecs, iam = (aws.boto3_client(s) for s in ("ec2", "elbv2", "ecs", "iam"))
    vpc, subnets = default_network(ec2)
    subnet_ids = [s["SubnetId"] for s in subnets][:2]
    group = ec2.create_security_group(GroupName="switch-tasks", Description="t", VpcId=vpc)["GroupId"]
    role = iam.create_role(RoleName="switch-infra", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    lb = elbv2.create_load_balancer(Name="switch-lb", Subnets=subnet_ids, SecurityGroups=[group])["LoadBalancers"][0]
    tg1, tg2 = (ip_target_group(elbv2, f"switch-{n}", vpc, 8000, interval=5, drain=0) for n in ("tg1", "tg2"))
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg1}],
    )["Listeners"][0]["ListenerArn"]
    rule = elbv2.create_rule(
        ListenerArn=listener,
        Priority=1,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": tg1}],
    )["Rules"][0]["RuleArn"]
    ecs.create_cluster(clusterName="helloapp")
    task = ecs.register_task_definition(
        family="helloapp",
        cpu="256",
        memory="512",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        containerDefinitions=[{"name": "helloapp", "image": "app:1", "portMappings": [{"containerPort": 8000}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="helloapp",
        serviceName="helloapp",
        taskDefinition=task,
        desiredCount=0,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnet_ids, "securityGroups": [group]}},
        deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0},
        loadBalancers=[
            {
                "targetGroupArn": tg1,
                "containerName": "helloapp",
                "containerPort": 8000,
                "advancedConfiguration": {
                    "alternateTargetGroupArn": tg2,
                    "productionListenerRule": rule,
                    "roleArn": role,
                },
            }
        ],
    )


def test_native_to_rolling_is_refused_before_anything_changes(aws, ansible_playbook):
    _native_service(aws)
    aws.admin("requests", "DELETE")

    run = ansible_playbook("playbooks/iam.yml", extra_vars={"app_release_strategy": "rolling"})

    assert run.rc != 0
    out = " ".join(run.stdout.split())
    assert (
        "app_release_strategy is 'rolling' but service helloapp of cluster helloapp runs ECS-native BLUE_GREEN" in out
    )
    assert "Keep app_release_strategy 'blue_green'" in out and "Nothing was changed." in out, out
    actions = [entry.get("action") or "" for entry in aws.admin("requests")["requests"]]
    assert actions and all(a.startswith(READ_ONLY) for a in actions), actions
