"""The check catalogue: one module per check or small family, metadata beside the code."""
from checks import (
    cis_monitoring,
    cloudtrail_enabled,
    cloudtrail_trail_settings,
    config_recording,
    iam_credentials,
    iam_password_policy,
    iam_policy_attachments,
    regional_services,
    root_account,
    s3_account_public_access_block,
    template_iam_actions,
)

ALL_CHECKS = (
    # The four headline checks first: the default baseline.
    cloudtrail_enabled.CHECK,
    root_account.MFA,
    s3_account_public_access_block.CHECK,
    config_recording.RECORDING,
    root_account.NO_ACCESS_KEYS,
    root_account.HARDWARE_MFA,
    iam_password_policy.CHECK,
    regional_services.GUARDDUTY_ENABLED,
    regional_services.SECURITY_HUB_ENABLED,
    regional_services.ACCESS_ANALYZER_ENABLED,
    regional_services.EBS_ENCRYPTION_BY_DEFAULT,
    regional_services.DEFAULT_SECURITY_GROUPS_CLOSED,
    cloudtrail_trail_settings.LOG_FILE_VALIDATION,
    cloudtrail_trail_settings.KMS_ENCRYPTION,
    cloudtrail_trail_settings.CLOUDWATCH_LOGS,
    config_recording.GLOBAL_RESOURCES,
    *cis_monitoring.CHECKS,
    template_iam_actions.CHECK,
    *iam_credentials.CHECKS,
    *iam_policy_attachments.CHECKS,
)
