"""The CIS AWS Foundations Benchmark recommendations preflight maps its checks to: every recommendation of
v3.0.0 and v5.0.0, with its status (Automated or Manual). Written from the item-by-item specifications
(shared/reference/cis-v3-coverage.md and cis-v5-coverage.md: CIS's own statuses as Prowler's and Steampipe's
compliance mappings reproduce them; v5.0.0's four contested statuses - 3.1, 3.4, 4.1, 5.1.2 - as Prowler has
them). A check names the items it judges in its Controls (cis_aws_v3, cis_aws_v5); whether an item is Manual
is the benchmark's, so it is looked up here."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Benchmark(str, enum.Enum):
    CIS_AWS_V3 = "CIS AWS Foundations Benchmark v3.0.0"
    CIS_AWS_V5 = "CIS AWS Foundations Benchmark v5.0.0"


@dataclass(frozen=True)
class Recommendation:
    number: str
    title: str
    manual: bool


V3: tuple[Recommendation, ...] = (
    Recommendation("1.1", "Maintain current contact details", True),
    Recommendation("1.2", "Ensure security contact information is registered", True),
    Recommendation("1.3", "Ensure security questions are registered in the AWS account", True),
    Recommendation("1.4", "Ensure no 'root' user account access key exists", False),
    Recommendation("1.5", "Ensure MFA is enabled for the 'root' user account", False),
    Recommendation("1.6", "Ensure hardware MFA is enabled for the 'root' user account", True),
    Recommendation("1.7", "Eliminate use of the 'root' user for administrative and daily tasks", True),
    Recommendation("1.8", "Ensure IAM password policy requires minimum length of 14 or greater", False),
    Recommendation("1.9", "Ensure IAM password policy prevents password reuse", False),
    Recommendation("1.10", "Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a console pa…", False),
    Recommendation("1.11", "Do not setup access keys during initial user setup for all IAM users that have a console pas…", True),
    Recommendation("1.12", "Ensure credentials unused for 45 days or greater are disabled", False),
    Recommendation("1.13", "Ensure there is only one active access key available for any single IAM user", False),
    Recommendation("1.14", "Ensure access keys are rotated every 90 days or less", False),
    Recommendation("1.15", "Ensure IAM Users Receive Permissions Only Through Groups", False),
    Recommendation("1.16", "Ensure IAM policies that allow full '*:*' administrative privileges are not attached", False),
    Recommendation("1.17", "Ensure a support role has been created to manage incidents with AWS Support", False),
    Recommendation("1.18", "Ensure IAM instance roles are used for AWS resource access from instances", False),
    Recommendation("1.19", "Ensure that all the expired SSL/TLS certificates stored in AWS IAM are removed", False),
    Recommendation("1.20", "Ensure that IAM Access analyzer is enabled for all regions", False),
    Recommendation("1.21", "Ensure IAM users are managed centrally via identity federation or AWS Organizations for mult…", True),
    Recommendation("1.22", "Ensure access to AWSCloudShellFullAccess is restricted", True),
    Recommendation("2.1.1", "Ensure S3 Bucket Policy is set to deny HTTP requests", False),
    Recommendation("2.1.2", "Ensure MFA Delete is enabled on S3 buckets", True),
    Recommendation("2.1.3", "Ensure all data in Amazon S3 has been discovered, classified and secured when required", True),
    Recommendation("2.1.4", "Ensure that S3 Buckets are configured with 'Block public access (bucket settings)'", False),
    Recommendation("2.2.1", "Ensure EBS Volume Encryption is Enabled in all Regions", False),
    Recommendation("2.3.1", "Ensure that encryption-at-rest is enabled for RDS Instances", False),
    Recommendation("2.3.2", "Ensure Auto Minor Version Upgrade feature is Enabled for RDS Instances", False),
    Recommendation("2.3.3", "Ensure that public access is not given to RDS Instance", False),
    Recommendation("2.4.1", "Ensure that encryption is enabled for EFS file systems", True),
    Recommendation("3.1", "Ensure CloudTrail is enabled in all regions", False),
    Recommendation("3.2", "Ensure CloudTrail log file validation is enabled", False),
    Recommendation("3.3", "Ensure AWS Config is enabled in all regions", False),
    Recommendation("3.4", "Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket", False),
    Recommendation("3.5", "Ensure CloudTrail logs are encrypted at rest using KMS CMKs", False),
    Recommendation("3.6", "Ensure rotation for customer-created symmetric CMKs is enabled", False),
    Recommendation("3.7", "Ensure VPC flow logging is enabled in all VPCs", False),
    Recommendation("3.8", "Ensure that Object-level logging for write events is enabled for S3 bucket", False),
    Recommendation("3.9", "Ensure that Object-level logging for read events is enabled for S3 bucket", False),
    Recommendation("4.1", "Ensure unauthorized API calls are monitored", True),
    Recommendation("4.2", "Ensure management console sign-in without MFA is monitored", True),
    Recommendation("4.3", "Ensure usage of 'root' account is monitored", True),
    Recommendation("4.4", "Ensure IAM policy changes are monitored", True),
    Recommendation("4.5", "Ensure CloudTrail configuration changes are monitored", True),
    Recommendation("4.6", "Ensure AWS Management Console authentication failures are monitored", True),
    Recommendation("4.7", "Ensure disabling or scheduled deletion of customer created CMKs is monitored", True),
    Recommendation("4.8", "Ensure S3 bucket policy changes are monitored", True),
    Recommendation("4.9", "Ensure AWS Config configuration changes are monitored", True),
    Recommendation("4.10", "Ensure security group changes are monitored", True),
    Recommendation("4.11", "Ensure Network Access Control Lists (NACL) changes are monitored", True),
    Recommendation("4.12", "Ensure changes to network gateways are monitored", True),
    Recommendation("4.13", "Ensure route table changes are monitored", True),
    Recommendation("4.14", "Ensure VPC changes are monitored", True),
    Recommendation("4.15", "Ensure AWS Organizations changes are monitored", True),
    Recommendation("4.16", "Ensure AWS Security Hub is enabled", False),
    Recommendation("5.1", "Ensure no Network ACLs allow ingress from 0.0.0.0/0 to remote server administration ports", False),
    Recommendation("5.2", "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports", False),
    Recommendation("5.3", "Ensure no security groups allow ingress from ::/0 to remote server administration ports", False),
    Recommendation("5.4", "Ensure the default security group of every VPC restricts all traffic", False),
    Recommendation("5.5", "Ensure routing tables for VPC peering are 'least access'", True),
    Recommendation("5.6", "Ensure that EC2 Metadata Service only allows IMDSv2", False),
)

V5: tuple[Recommendation, ...] = (
    Recommendation("1.1", "Maintain current contact details", True),
    Recommendation("1.2", "Ensure security contact information is registered", True),
    Recommendation("1.3", "Ensure no 'root' user account access key exists", False),
    Recommendation("1.4", "Ensure MFA is enabled for the 'root' user account", False),
    Recommendation("1.5", "Ensure hardware MFA is enabled for the 'root' user account", True),
    Recommendation("1.6", "Eliminate use of the 'root' user for administrative and daily tasks", True),
    Recommendation("1.7", "Ensure IAM password policy requires minimum length of 14 or greater", False),
    Recommendation("1.8", "Ensure IAM password policy prevents password reuse", False),
    Recommendation("1.9", "Ensure MFA is enabled for all IAM users that have a console password", False),
    Recommendation("1.10", "Do not create access keys during initial setup for IAM users with a console password", True),
    Recommendation("1.11", "Ensure credentials unused for 45 days or more are disabled", False),
    Recommendation("1.12", "Ensure there is only one active access key for any single IAM user", False),
    Recommendation("1.13", "Ensure access keys are rotated every 90 days or less", False),
    Recommendation("1.14", "Ensure IAM users receive permissions only through groups", False),
    Recommendation("1.15", "Ensure IAM policies that allow full `*:*` administrative privileges are not attached", False),
    Recommendation("1.16", "Ensure a support role has been created to manage incidents with AWS Support", False),
    Recommendation("1.17", "Ensure IAM instance roles are used for AWS resource access from instances", False),
    Recommendation("1.18", "Ensure that all expired SSL/TLS certificates stored in AWS IAM are removed", False),
    Recommendation("1.19", "Ensure that IAM External Access Analyzer is enabled for all regions", False),
    Recommendation("1.20", "Ensure IAM users are managed centrally via identity federation or AWS Organizations…", True),
    Recommendation("1.21", "Ensure access to AWSCloudShellFullAccess is restricted", True),
    Recommendation("2.1.1", "Ensure S3 Bucket Policy is set to deny HTTP requests", False),
    Recommendation("2.1.2", "Ensure MFA Delete is enabled on S3 buckets", True),
    Recommendation("2.1.3", "Ensure all data in Amazon S3 has been discovered, classified, and secured…", True),
    Recommendation("2.1.4", "Ensure that S3 is configured with 'Block Public Access' enabled", False),
    Recommendation("2.2.1", "Ensure that encryption-at-rest is enabled for RDS instances", False),
    Recommendation("2.2.2", "Ensure the Auto Minor Version Upgrade feature is enabled for RDS instances", False),
    Recommendation("2.2.3", "Ensure that RDS instances are not publicly accessible", False),
    Recommendation("2.2.4", "Ensure Multi-AZ deployments are used for enhanced availability in Amazon RDS", True),
    Recommendation("2.3.1", "Ensure that encryption is enabled for EFS file systems", False),
    Recommendation("3.1", "Ensure CloudTrail is enabled in all regions", True),
    Recommendation("3.2", "Ensure CloudTrail log file validation is enabled", False),
    Recommendation("3.3", "Ensure AWS Config is enabled in all regions", False),
    Recommendation("3.4", "Ensure that server access logging is enabled on the CloudTrail S3 bucket", True),
    Recommendation("3.5", "Ensure CloudTrail logs are encrypted at rest using KMS CMKs", False),
    Recommendation("3.6", "Ensure rotation for customer-created symmetric CMKs is enabled", False),
    Recommendation("3.7", "Ensure VPC flow logging is enabled in all VPCs", False),
    Recommendation("3.8", "Ensure that object-level logging for write events is enabled for S3 buckets", False),
    Recommendation("3.9", "Ensure that object-level logging for read events is enabled for S3 buckets", False),
    Recommendation("4.1", "Ensure unauthorized API calls are monitored", True),
    Recommendation("4.2", "Ensure management console sign-in without MFA is monitored", True),
    Recommendation("4.3", "Ensure usage of the 'root' account is monitored", True),
    Recommendation("4.4", "Ensure IAM policy changes are monitored", True),
    Recommendation("4.5", "Ensure CloudTrail configuration changes are monitored", True),
    Recommendation("4.6", "Ensure AWS Management Console authentication failures are monitored", True),
    Recommendation("4.7", "Ensure disabling or scheduled deletion of customer created CMKs is monitored", True),
    Recommendation("4.8", "Ensure S3 bucket policy changes are monitored", True),
    Recommendation("4.9", "Ensure AWS Config configuration changes are monitored", True),
    Recommendation("4.10", "Ensure security group changes are monitored", True),
    Recommendation("4.11", "Ensure Network Access Control List (NACL) changes are monitored", True),
    Recommendation("4.12", "Ensure changes to network gateways are monitored", True),
    Recommendation("4.13", "Ensure route table changes are monitored", True),
    Recommendation("4.14", "Ensure VPC changes are monitored", True),
    Recommendation("4.15", "Ensure AWS Organizations changes are monitored", True),
    Recommendation("4.16", "Ensure AWS Security Hub is enabled", False),
    Recommendation("5.1.1", "Ensure EBS volume encryption is enabled in all regions", False),
    Recommendation("5.1.2", "Ensure CIFS access is restricted to trusted networks", False),
    Recommendation("5.2", "Ensure no Network ACLs allow ingress from 0.0.0.0/0 to remote server administration ports", False),
    Recommendation("5.3", "Ensure no security groups allow ingress from 0.0.0.0/0 to remote server administration ports", False),
    Recommendation("5.4", "Ensure no security groups allow ingress from ::/0 to remote server administration ports", False),
    Recommendation("5.5", "Ensure the default security group of every VPC restricts all traffic", False),
    Recommendation("5.6", "Ensure routing tables for VPC peering are least access", True),
    Recommendation("5.7", "Ensure that the EC2 Metadata Service only allows IMDSv2", False),
)

RECOMMENDATIONS = {Benchmark.CIS_AWS_V3: {r.number: r for r in V3}, Benchmark.CIS_AWS_V5: {r.number: r for r in V5}}


def items(numbers: str | None) -> tuple[str, ...]:
    """The item numbers a Controls field names ("5.2, 5.3" -> ("5.2", "5.3"))."""
    return tuple(n.strip() for n in numbers.split(",") if n.strip()) if numbers else ()


def labelled(benchmark: Benchmark, numbers: str | None) -> str:
    """The items as a person reads them, each Manual one marked: "4.1 (Manual)"."""
    known = RECOMMENDATIONS[benchmark]
    return ", ".join(f"{n} (Manual)" if n in known and known[n].manual else n for n in items(numbers)) or "-"
