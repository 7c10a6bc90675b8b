"""The check catalogue: one module per check, each with its metadata beside its code."""
from checks import cloudtrail_enabled, config_recording, root_account_mfa, s3_account_public_access_block

ALL_CHECKS = (
    cloudtrail_enabled.CHECK,
    root_account_mfa.CHECK,
    s3_account_public_access_block.CHECK,
    config_recording.CHECK,
)
