"""playbooks/migrate.yml refuses a style that is not ECS-native, and the pipeline, before any AWS call (issue 12).

One ansible-playbook run of the playbook itself against a private emulator whose request log must stay empty; the
in-flight and task-set refusals need AWS answers and are the controller_migration filter's unit tests
(tests/unit/test_controller_migration_filters.py).
"""

from __future__ import annotations


def test_migrate_refuses_codedeploy_and_the_pipeline_before_any_aws_call(aws, ansible_playbook):
    aws.admin("requests", "DELETE")

    run = ansible_playbook(
        "playbooks/migrate.yml", extra_vars={"app_release_strategy": "codedeploy", "codepipeline_enabled": True}
    )

    assert run.rc != 0
    out = " ".join(run.stdout.split())
    assert "app_release_strategy is 'codedeploy': playbooks/migrate.yml moves a CODE_DEPLOY service" in out, out
    assert "blue_green, linear, canary" in out and "codepipeline_enabled is true" in out, out
    assert aws.admin("requests")["requests"] == [], "the migration's pre-flight reached AWS"
