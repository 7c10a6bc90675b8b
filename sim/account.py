"""Account-state builders for moto: a compliant account, then one deviation per scenario.

Call these inside moto's mock_aws (in-process). Each builder makes exactly the AWS calls a person would.
"""
from __future__ import annotations

import datetime
import functools
import json
import os
import weakref
from typing import Any

import boto3

from sim.cloudformation import ACCOUNT_ID, REGION

_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # default session -> {(service, region): client}


def client(service: str, region_name: str | None = None) -> Any:
    """boto3.client, but one per (service, region) for as long as the default session lives and the simulator
    stays where it is: making a client costs ~10 ms, and a scenario makes dozens."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    session = boto3.DEFAULT_SESSION
    made = _clients.setdefault(session, {})
    key = (service, region_name, os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("HTTP_PROXY"))
    if key not in made:
        made[key] = session.client(service, region_name=region_name)
    return made[key]

ALL_MANAGEMENT_EVENTS = [{"ReadWriteType": "All", "IncludeManagementEvents": True}]
ADVANCED_ALL_MANAGEMENT = [
    {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
]
# All management events, and data events for every bucket (S3 object-level reads and writes, CIS 3.8 and 3.9)
# and every Lambda function (Invoke).
ALL_LAMBDA_FUNCTIONS = {"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}
ALL_MANAGEMENT_AND_DATA_EVENTS = [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                   "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]},
                                                     ALL_LAMBDA_FUNCTIONS]}]
ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def create_bucket(name: str, region: str = REGION) -> None:
    s3 = client("s3", region_name=region)
    if region == "us-east-1":  # the one region that refuses a LocationConstraint
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def tls_only_policy(name: str, extra_statements: tuple[dict[str, Any], ...] = ()) -> str:
    """A bucket policy denying every request with aws:SecureTransport false (CIS 2.1.1, Security Hub S3.5)."""
    import json

    deny = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    return json.dumps({"Version": "2012-10-17", "Statement": [deny, *extra_statements]})


def harden_bucket(name: str, *, mfa_delete: bool = True) -> None:
    """What the bucket checks ask of a bucket: a TLS-only policy, the four bucket-level Block Public Access
    settings, versioning with MFA delete (modelled in sim.moto_gaps: only the root user's MFA device turns it on)."""
    from sim import moto_gaps

    s3 = client("s3")
    s3.put_bucket_policy(Bucket=name, Policy=tls_only_policy(name))
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict(ALL_BLOCKED))
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if mfa_delete:
        moto_gaps.mfa_delete.add(name)


def create_trail(
    name: str = "audit",
    *,
    region: str = REGION,
    multi_region: bool = True,
    logging: bool = True,
    event_selectors: list[dict[str, Any]] | None = None,
    advanced_event_selectors: list[dict[str, Any]] | None = None,
    organization: bool = False,
    log_group: str | None = None,
    kms_key_id: str | None = None,
    log_file_validation: bool = False,
) -> str:
    """A trail with its bucket. Without selectors it keeps AWS's default one (all management events; moto's
    lack of it is modelled in sim.moto_gaps)."""
    bucket = f"{name}-trail-logs-{region}"
    create_bucket(bucket, region)
    cloudtrail = client("cloudtrail", region_name=region)
    extra: dict[str, Any] = {"EnableLogFileValidation": log_file_validation}
    if log_group:
        extra["CloudWatchLogsLogGroupArn"] = f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{log_group}:*"
        extra["CloudWatchLogsRoleArn"] = f"arn:aws:iam::{ACCOUNT_ID}:role/cloudtrail-to-logs"
    if kms_key_id:
        extra["KmsKeyId"] = kms_key_id
    arn = cloudtrail.create_trail(
        Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi_region, IsOrganizationTrail=organization, **extra
    )["TrailARN"]
    if advanced_event_selectors is not None:
        cloudtrail.put_event_selectors(TrailName=name, AdvancedEventSelectors=advanced_event_selectors)
    elif event_selectors is not None:
        cloudtrail.put_event_selectors(TrailName=name, EventSelectors=event_selectors)
    if logging:
        cloudtrail.start_logging(Name=name)
        if log_group:
            from sim import moto_gaps

            moto_gaps.deliver_to_cloudwatch(arn)
    return arn


def harden_trail_bucket(bucket: str, region: str = REGION, *, access_logging: bool = True,
                        block_public_access: bool = True) -> None:
    """Server access logging (to a log bucket of its own) and all four Block Public Access settings on a trail's
    bucket (CIS 3.4 / CloudTrail.7, CloudTrail.6)."""
    s3 = client("s3", region_name=region)
    if access_logging:
        target = f"{bucket}-access-logs"
        create_bucket(target, region)
        # S3 User Guide, "Enabling Amazon S3 server access logging": the target bucket's policy lets the
        # logging service principal write to it.
        s3.put_bucket_policy(Bucket=target, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{target}/*"}]}))
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": f"{bucket}/"}})
    if block_public_access:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=ALL_BLOCKED)


def enable_insights(trail: str = "audit", types: tuple[str, ...] = ("ApiCallRateInsight", "ApiErrorRateInsight"),
                    *, region: str = REGION, categories: list[str] | None = None) -> None:
    """CloudTrail Insights on a trail (PutInsightSelectors; no EventCategories: management events)."""
    selectors = [{"InsightType": t} | ({"EventCategories": categories} if categories else {}) for t in types]
    client("cloudtrail", region_name=region).put_insight_selectors(TrailName=trail, InsightSelectors=selectors)


def lock_bucket(bucket: str, mode: str | None = "GOVERNANCE", *, region: str = REGION, days: int = 365) -> None:
    """Object Lock on an existing bucket (versioning first, as S3 requires), with a default retention rule in
    `mode` (None: no default rule)."""
    s3 = client("s3", region_name=region)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    configuration: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
    if mode:
        configuration["Rule"] = {"DefaultRetention": {"Mode": mode, "Days": days}}
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=configuration)


def set_root_mfa(enabled: bool = True, account_id: str = ACCOUNT_ID) -> None:
    # moto has no API that turns root MFA on; its account summary keeps the flag privately.
    from moto.iam.models import iam_backends

    iam_backends[account_id]["global"].account_summary._account_mfa_enabled = int(enabled)


def _iam_backend(account_id: str = ACCOUNT_ID) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["aws"]


def _naive_utc(when: datetime.datetime) -> datetime.datetime:
    # moto keeps IAM times as naive UTC datetimes
    return when.astimezone(datetime.timezone.utc).replace(tzinfo=None) if when.tzinfo else when


def create_iam_user(
    name: str,
    *,
    console_password: bool = False,
    mfa: bool = False,
    access_keys: int = 0,
    inactive_keys: tuple[int, ...] = (),
    password_last_used: datetime.datetime | None = None,
    created: datetime.datetime | None = None,
    keys_created: tuple[datetime.datetime | None, ...] = (),
    keys_last_used: tuple[datetime.datetime | None, ...] = (),
) -> str:
    """An IAM user as a person would set one up (console password, virtual MFA, access keys); the dates IAM
    records as credentials are used or age are set in moto's backend, which no API moves. Returns its ARN.
    `inactive_keys`: 1-based numbers of keys to deactivate."""
    iam = client("iam")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if console_password:
        iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery-9")
    if mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName=name, SerialNumber=serial, AuthenticationCode1="123456",
                              AuthenticationCode2="654321")
    keys = [iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"] for _ in range(access_keys)]
    for number in inactive_keys:
        iam.update_access_key(UserName=name, AccessKeyId=keys[number - 1], Status="Inactive")
    user = _iam_backend().users[name]
    if created:
        user.create_date = _naive_utc(created)
    if password_last_used:
        user.password_last_used = _naive_utc(password_last_used)
    for key, when in zip(user.access_keys, keys_created):
        if when:
            key.create_date = _naive_utc(when)
    for key, when in zip(user.access_keys, keys_last_used):
        if when:
            key.last_used = _naive_utc(when)
    return arn


def set_credential_report_time(when: datetime.datetime, account_id: str = ACCOUNT_ID) -> None:
    """The time IAM generated the credential report (GeneratedTime; sim.moto_gaps models it)."""
    backend = _iam_backend(account_id)
    backend.generate_report()
    backend.preflight_report_time = _naive_utc(when)


@functools.lru_cache(maxsize=None)
def _aws_managed_policy_data(name: str) -> dict[str, Any]:
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)[name]


def ensure_aws_managed_policy(name: str, account_id: str = ACCOUNT_ID) -> str:
    """AWS has every AWS managed policy in every account; moto loads none unless told to load all of them
    (slow, for each test's fresh backend): this adds one, from moto's own copy of AWS's policies."""
    from moto.iam.models import AWSManagedPolicy

    backend = _iam_backend(account_id)
    arn = f"arn:aws:iam::aws:policy/{name}"
    if arn not in backend.managed_policies:
        policy = AWSManagedPolicy.from_data(name, account_id, "us-east-1", _aws_managed_policy_data(name))
        backend.managed_policies[policy.arn] = policy
    return arn


def attach_managed_policy(kind: str, name: str, policy: str) -> None:
    """Creates a user, group or role and attaches the AWS managed policy `policy` (e.g. AWSSupportAccess)."""
    import json

    iam = client("iam")
    arn = ensure_aws_managed_policy(policy)
    if kind == "role":
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}]}
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    elif kind == "group":
        iam.create_group(GroupName=name)
        iam.attach_group_policy(GroupName=name, PolicyArn=arn)
    else:
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn=arn)


def put_security_contact(email: str = "security@example.com") -> None:
    client("account").put_alternate_contact(AlternateContactType="SECURITY", EmailAddress=email,
                                            Name="Security team", PhoneNumber="+1-555-0100", Title="Security")


def put_public_access_block(account_id: str = ACCOUNT_ID, region: str = REGION, **overrides: bool) -> None:
    configuration = {**ALL_BLOCKED, **overrides}
    client("s3control", region_name=region).put_public_access_block(
        AccountId=account_id, PublicAccessBlockConfiguration=configuration
    )


def start_config_recorder(
    name: str = "default",
    *,
    region: str = REGION,
    all_supported: bool = True,
    recording: bool = True,
    resource_types: list[str] | None = None,
    delivered: bool = True,
    role_arn: str = f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
) -> None:
    """A recorder, its delivery channel and (unless `recording` is False) recording. AWS's lastStatus is PENDING
    only until the recorder's first delivery, SUCCESS after it (sim.moto_gaps delivers at once); with
    `delivered` False it stays PENDING."""
    config = client("config", region_name=region)
    if all_supported:
        group: dict[str, Any] = {"allSupported": True, "includeGlobalResourceTypes": True}
    else:
        group = {"allSupported": False, "includeGlobalResourceTypes": False,
                 "resourceTypes": resource_types or ["AWS::S3::Bucket"]}
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": name,
            "roleARN": role_arn,
            "recordingGroup": group,
        }
    )
    bucket = f"config-delivery-{region}-{name}"
    create_bucket(bucket, region)
    config.put_delivery_channel(DeliveryChannel={"name": f"{name}-channel", "s3BucketName": bucket})
    if recording:
        config.start_configuration_recorder(ConfigurationRecorderName=name)
        if not delivered:
            from moto.config.models import config_backends

            config_backends[ACCOUNT_ID][region].recorders[name].status.last_status = "PENDING"


def make_compliant(region: str = REGION) -> None:
    """Everything the four headline checks ask for."""
    create_trail(region=region)
    set_root_mfa(True)
    put_public_access_block(region=region)
    start_config_recorder(region=region)


# The CIS AWS Foundations v3.0 section 4 filter patterns, as the benchmark gives them.
CIS_PATTERNS = {
    "unauthorized-api-calls": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") '
                              '&& ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    "console-signin-without-mfa": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    "root-usage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
                  '&& $.eventType != "AwsServiceEvent" }',
    "iam-policy-changes": "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)"
                          "||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)"
                          "||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)"
                          "||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)"
                          "||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)"
                          "||($.eventName=DetachGroupPolicy)}",
    "cloudtrail-changes": "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) "
                          "|| ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    "console-auth-failures": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "cmk-disable-or-deletion": "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)"
                               "||($.eventName=ScheduleKeyDeletion)) }",
    "s3-bucket-policy-changes": "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || "
                                "($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || "
                                "($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || "
                                "($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || "
                                "($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
    "config-changes": "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||"
                      "($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||"
                      "($.eventName=PutConfigurationRecorder)) }",
    "security-group-changes": "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) "
                              "|| ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) "
                              "|| ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    "nacl-changes": "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
                    "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
                    "($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    "network-gateway-changes": "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || "
                               "($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || "
                               "($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
    "route-table-changes": "{($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || "
                           "($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
                           "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
                           "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
    "vpc-changes": "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
                   "($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || "
                   "($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || "
                   "($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || "
                   "($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
    # CIS v3.0.0 4.15's pattern
    "organizations-changes": "{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = AcceptHandshake) || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount) || ($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || ($.eventName = DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy) || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) || ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization) || ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount) || ($.eventName = RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy) || ($.eventName = UpdateOrganizationalUnit)) }",
}
TRAIL_LOG_GROUP = "cloudtrail/audit"


def add_cis_alarms(items=tuple(CIS_PATTERNS), *, region: str = REGION, log_group: str = TRAIL_LOG_GROUP,
                   subscribed: bool = True, with_alarm: bool = True) -> str:
    """Metric filters, alarms and a subscribed SNS topic for the given CIS section 4 items."""
    logs = client("logs", region_name=region)
    if not logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]:
        logs.create_log_group(logGroupName=log_group)
    sns = client("sns", region_name=region)
    topic = sns.create_topic(Name="security-alarms")["TopicArn"]
    if subscribed:
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="security@example.com")
    cloudwatch = client("cloudwatch", region_name=region)
    for item in items:
        metric = f"cis-{item}"
        logs.put_metric_filter(logGroupName=log_group, filterName=metric, filterPattern=CIS_PATTERNS[item],
                               metricTransformations=[{"metricName": metric, "metricNamespace": "CISBenchmark",
                                                       "metricValue": "1"}])
        if with_alarm:
            cloudwatch.put_metric_alarm(AlarmName=metric, MetricName=metric, Namespace="CISBenchmark",
                                        Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1,
                                        ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic])
    return topic


def close_admin_ports_in_network_acls(region: str) -> None:
    """Inbound denies for TCP and UDP 22 and 3389 from 0.0.0.0/0, numbered below every network ACL's allows (AWS
    applies the lowest-numbered matching entry: VPC User Guide, "Network ACL rules")."""
    ec2 = client("ec2", region_name=region)
    for acl in ec2.describe_network_acls()["NetworkAcls"]:
        number = 1
        for protocol in ("6", "17"):
            for port in (22, 3389):
                ec2.create_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=number, Protocol=protocol,
                                             RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0",
                                             PortRange={"From": port, "To": port})
                number += 1


def add_flow_logs(region: str, traffic_type: str = "REJECT", log_group: str = "vpc-flow-logs") -> None:
    """A flow log to CloudWatch Logs for every VPC of the region."""
    ec2 = client("ec2", region_name=region)
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    if vpcs:
        ec2.create_flow_logs(ResourceIds=vpcs, ResourceType="VPC", TrafficType=traffic_type,
                             LogDestinationType="cloud-watch-logs", LogGroupName=log_group,
                             DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT_ID}:role/flow-logs")


def create_db_instance(name: str, *, region: str = REGION, encrypted: bool = True, minor_upgrades: bool = True,
                       public: bool = False, multi_az: bool = True, engine: str = "postgres",
                       cluster: str | None = None, tags: dict[str, str] | None = None) -> str:
    """An RDS DB instance (compliant by default); returns its ARN."""
    extra: dict[str, Any] = {"DBClusterIdentifier": cluster} if cluster else {
        "AllocatedStorage": 20, "MasterUsername": "admin", "MasterUserPassword": "Correct-Horse-Battery-9"}
    return client("rds", region_name=region).create_db_instance(
        DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine=engine, StorageEncrypted=encrypted,
        AutoMinorVersionUpgrade=minor_upgrades, PubliclyAccessible=public, MultiAZ=multi_az,
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()], **extra)["DBInstance"]["DBInstanceArn"]


def create_db_cluster(name: str, *, region: str = REGION, engine: str = "aurora-postgresql",
                      tags: dict[str, str] | None = None) -> str:
    """An RDS DB cluster (moto answers MultiAZ false until it has instances in several zones); returns its ARN."""
    return client("rds", region_name=region).create_db_cluster(
        DBClusterIdentifier=name, Engine=engine, MasterUsername="admin", MasterUserPassword="Correct-Horse-Battery-9",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])["DBCluster"]["DBClusterArn"]


def create_file_system(token: str, *, region: str = REGION, encrypted: bool = True,
                       tags: dict[str, str] | None = None) -> str:
    """An EFS file system; returns its ARN."""
    return client("efs", region_name=region).create_file_system(
        CreationToken=token, Encrypted=encrypted,
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])["FileSystemArn"]


def create_kms_key(*, region: str = REGION, rotation: bool = True, key_spec: str = "SYMMETRIC_DEFAULT",
                   usage: str = "ENCRYPT_DECRYPT", tags: dict[str, str] | None = None) -> str:
    """A customer managed KMS key, rotating automatically by default; returns its ARN."""
    kms = client("kms", region_name=region)
    key = kms.create_key(KeySpec=key_spec, KeyUsage=usage,
                         Tags=[{"TagKey": k, "TagValue": v} for k, v in (tags or {}).items()])["KeyMetadata"]
    if rotation:
        kms.enable_key_rotation(KeyId=key["KeyId"])
    return key["Arn"]


def make_region_compliant(region: str) -> None:
    """The regional guard rails: GuardDuty, Security Hub, Access Analyzer, EBS encryption, closed default SGs,
    network ACLs closed to SSH/RDP from the internet, VPC flow logs, EBS snapshot and AMI Block Public Access,
    IMDSv2 required (and enforced) as the account's default for new instances; and a customer managed KMS key
    that rotates."""
    from sim import ec2_account_settings, moto_gaps

    client("guardduty", region_name=region).create_detector(Enable=True)
    client("securityhub", region_name=region).enable_security_hub()
    moto_gaps.create_analyzer(region)
    settings = ec2_account_settings.region(region)
    settings.snapshot_block_public_access = "block-all-sharing"
    settings.image_block_public_access = "block-new-sharing"
    settings.metadata_defaults = ec2_account_settings.MetadataDefaults(
        http_tokens="required", http_tokens_enforced="enabled", http_put_response_hop_limit=2,
        http_endpoint="enabled")
    ec2 = client("ec2", region_name=region)
    ec2.enable_ebs_encryption_by_default()
    for group in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]:
        if group["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
        if group["IpPermissions"]:
            ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    close_admin_ports_in_network_acls(region)
    add_flow_logs(region)
    run_instance(region, profile_role="app")
    create_kms_key(region=region)


def run_instance(region: str = REGION, *, profile_role: str | None = None, profile: str | None = None,
                 tokens: str = "required") -> str:
    """A running instance (IMDSv2 `tokens`), with an instance profile `profile` (default: "<role>-profile") holding
    the role `profile_role` when given, or `profile` with no role; neither: no profile. Returns its id."""
    extra: dict[str, Any] = {}
    if profile_role or profile:
        iam = client("iam")
        name = profile or f"{profile_role}-profile"
        if not any(p["InstanceProfileName"] == name for p in iam.list_instance_profiles()["InstanceProfiles"]):
            iam.create_instance_profile(InstanceProfileName=name)
            if profile_role:
                trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                 "Principal": {"Service": "ec2.amazonaws.com"}}]}
                iam.create_role(RoleName=profile_role, AssumeRolePolicyDocument=json.dumps(trust))
                iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=profile_role)
        extra["IamInstanceProfile"] = {"Name": name}
    return client("ec2", region_name=region).run_instances(
        ImageId="ami-12c6146b", MinCount=1, MaxCount=1, MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"},
        **extra)["Instances"][0]["InstanceId"]


def create_image(name: str, *, region: str = REGION, public: bool = False, tags: dict[str, str] | None = None) -> str:
    """An AMI the account owns (made from an instance), shared with everyone when `public` (launch permission group
    "all"); returns its ARN, which names no account (arn:aws:ec2:REGION::image/ID)."""
    ec2 = client("ec2", region_name=region)
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    extra: dict[str, Any] = {"TagSpecifications": [{"ResourceType": "image", "Tags": [
        {"Key": k, "Value": v} for k, v in tags.items()]}]} if tags else {}
    image = ec2.create_image(InstanceId=instance, Name=name, **extra)["ImageId"]
    if public:
        ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"Group": "all"}]})
    return f"arn:aws:ec2:{region}::image/{image}"


def make_fully_compliant(regions: tuple[str, ...] = (REGION,)) -> None:
    """Everything the whole catalogue asks for, in the given regions (the first is home)."""
    home = regions[0]
    create_trail(region=home, log_group=TRAIL_LOG_GROUP, log_file_validation=True,
                 kms_key_id=f"arn:aws:kms:{home}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                 event_selectors=ALL_MANAGEMENT_AND_DATA_EVENTS)
    enable_insights(region=home)
    harden_trail_bucket(f"audit-trail-logs-{home}", home)
    set_root_mfa(True)
    put_public_access_block(region=home)
    client("iam").update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    attach_managed_policy("role", "support", "AWSSupportAccess")
    iam = client("iam")  # a user with permissions only through its group (CIS 1.15)
    iam.create_group(GroupName="operators")
    iam.attach_group_policy(GroupName="operators", PolicyArn=ensure_aws_managed_policy("ReadOnlyAccess"))
    iam.create_user(UserName="operator")
    iam.add_user_to_group(GroupName="operators", UserName="operator")
    put_security_contact()
    add_cis_alarms(region=home)
    for region in regions:
        start_config_recorder(region=region)
        make_region_compliant(region)
    for bucket in client("s3").list_buckets()["Buckets"]:
        harden_bucket(bucket["Name"])
    lock_bucket(f"audit-trail-logs-{home}", "COMPLIANCE", region=home)


def put_metric_filter(name: str, pattern: str, *, region: str = REGION, log_group: str = TRAIL_LOG_GROUP) -> None:
    """One metric filter (no alarm) on the trail's log group, which is created if need be."""
    logs = client("logs", region_name=region)
    if not logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]:
        logs.create_log_group(logGroupName=log_group)
    logs.put_metric_filter(logGroupName=log_group, filterName=name, filterPattern=pattern,
                           metricTransformations=[{"metricName": name, "metricNamespace": "n", "metricValue": "1"}])


def create_role(account_id: str, name: str = "OrganizationAccountAccessRole") -> None:
    """A role in an account, trusting the management account (what Organizations creates in the member
    accounts it creates; moto creates none)."""
    import json

    from moto.iam.models import iam_backends

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}}]}
    iam_backends[account_id]["aws"].create_role(name, json.dumps(trust), "/", None, "", [], None)
