"""Registers what scdiag-aws offers with scdiag."""

from __future__ import annotations

from scdiag.plugins import CaptureReaderRegistry, ProviderRegistry, hookimpl

_READERS = (
    "DescribeServicesReader",
    "DescribeTasksReader",
    "DescribeTaskDefinitionReader",
    "CloudWatchLogsReader",
    "DescribeTargetHealthReader",
    "MetricDataReader",
    "MetricStatisticsReader",
    "ContainerInstancesReader",
    "EcrDescribeImagesReader",
    "StackEventsReader",
    "AwsDeployErrorReader",
)


@hookimpl
def scdiag_register_providers(registry: ProviderRegistry) -> None:
    """What this distribution offers for provider ``aws``."""
    registry.add_provider("aws", "scdiag_aws.provider:ECSProvider", description="Amazon ECS (Fargate and EC2) through boto3")
    registry.add_option("aws", "cluster", help="ECS cluster name or ARN (default: default)")
    registry.add_capability("aws", "offline analysis of aws ecs / logs / elbv2 / cloudwatch / ecr CLI output (JSON or YAML), ECS console text and deploy errors (scdiag analyze)")


@hookimpl
def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
    """The AWS CLI readers."""
    for reader in _READERS:
        registry.add_reader(f"scdiag_aws.captures:{reader}")
    registry.add_reader("scdiag_aws.console:EcsConsoleReader")
    registry.add_reader("scdiag_aws.table:AwsTableReader")
    registry.add_reader("scdiag_aws.text:AwsTextReader")
