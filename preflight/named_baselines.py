"""The baselines preflight ships, by name: what `BaselineName`, `--baseline NAME` and `extends: NAME` mean."""
from __future__ import annotations

from typing import Any, Mapping

from preflight.registry import Registry

HEADLINE = ("cloudtrail-enabled", "root-account-mfa-enabled", "s3-account-level-public-access-blocks",
            "config-recording-enabled")
RECOMMENDED = HEADLINE + (
    "root-account-no-access-keys", "iam-password-policy", "guardduty-enabled", "securityhub-enabled",
    "access-analyzer-enabled", "ebs-encryption-by-default", "default-security-groups-closed",
    "cloudtrail-log-file-validation", "cloudtrail-kms-encryption", "cloudtrail-cloudwatch-logs",
    "config-global-resources-recorded",
)


def named_baseline(name: str, registry: Registry) -> dict[str, Any] | None:
    if name == "minimal":
        return {"description": "The four headline checks.", "checks": list(HEADLINE)}
    if name == "recommended":
        # Every enabled region: a region nobody watches (GuardDuty or Config off) is where an attacker works unseen.
        return {"description": "The headline checks and the account-wide guard rails, in every enabled region.",
                "checks": list(RECOMMENDED), "regions": "all"}
    if name == "cis-aws-foundations-v3":
        # CIS 3.3 ("AWS Config is enabled in all regions"), 1.20, 2.2.1, 4.16 and 5.4 are all-region items.
        return {"description": "Every catalogue check that maps to a CIS AWS Foundations v3.0 item, in every region.",
                "checks": [c.id for c in registry if c.meta.controls.cis_aws_v3], "regions": "all"}
    if name == "cis-aws-foundations-v5":
        # The current version (Security Hub recommends it "to stay current"); v5 renumbered 30 items.
        return {"description": "Every catalogue check that maps to a CIS AWS Foundations v5.0.0 item (Automated, and "
                               "the Manual items preflight can judge), in every enabled region.",
                "checks": [{"id": c.id, "parameters": V5_PARAMETERS[c.id]} if c.id in V5_PARAMETERS else c.id
                           for c in registry if c.meta.controls.cis_aws_v5], "regions": "all"}
    return None


def check_ids(document: Mapping[str, Any] | None) -> list[str]:
    """The ids a baseline document selects (an entry is an id or {id, parameters, severity})."""
    entries = (document or {}).get("checks") or ()
    return [e["id"] if isinstance(e, Mapping) else e for e in entries]


NAMED = ("minimal", "recommended", "cis-aws-foundations-v3", "cis-aws-foundations-v5")
# Where CIS v5.0.0 changed the pass rule of an item both versions share (shared/reference/cis-v5-coverage.md, §4).
V5_PARAMETERS: dict[str, dict[str, Any]] = {
    "root-account-mfa-enabled": {"pass_without_root_password": True},
    "ec2-instance-profile-attached": {"require_role_in_profile": True},
    "cis-monitoring-security-group-changes": {"include_v5_events": True},  # v5.0.0 4.10 adds ModifySecurityGroupRules
    "s3-bucket-ssl-requests-only": {"accept_tls_version_deny": True},  # v5.0.0 2.1.1 adds "Enforce TLS version"
}
