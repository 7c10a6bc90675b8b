"""The check catalogue. One convention: each module declares its checks with `@check(CheckMeta(...))` on a run
function whose docstring says how the check is judged and against which AWS document, and exports them as
`CHECKS`; modules whose name starts with `_` are helpers and export none (tests/test_catalogue.py)."""
from checks import (
    account_contacts,
    cis_monitoring,
    cloudtrail_enabled,
    cloudtrail_hardening,
    cloudtrail_logging_extras,
    cloudtrail_trail_settings,
    config_recording,
    ec2_guardrails,
    ec2_imdsv2,
    efs_file_systems,
    iam_credentials,
    iam_entities,
    iam_password_policy,
    iam_policy_attachments,
    iam_server_certificates,
    kms_keys,
    network_acls,
    rds_instances,
    regional_services,
    root_account,
    s3_account_public_access_block,
    s3_buckets,
    security_groups,
    template_iam_actions,
    vpc_flow_logs,
)
from preflight.named_baselines import HEADLINE

MODULES = (
    cloudtrail_enabled,
    root_account,
    s3_account_public_access_block,
    config_recording,
    iam_password_policy,
    regional_services,
    cloudtrail_trail_settings,
    cis_monitoring,
    template_iam_actions,
    security_groups,
    network_acls,
    vpc_flow_logs,
    ec2_imdsv2,
    ec2_guardrails,
    account_contacts,
    iam_credentials,
    iam_policy_attachments,
    iam_server_certificates,
    cloudtrail_logging_extras,
    cloudtrail_hardening,
    iam_entities,
    s3_buckets,
    rds_instances,
    efs_file_systems,
    kms_keys,
)

# The four headline checks first (the default baseline), then every module's checks in the order above.
ALL_CHECKS = tuple(sorted((c for module in MODULES for c in module.CHECKS),
                          key=lambda c: HEADLINE.index(c.id) if c.id in HEADLINE else len(HEADLINE)))
