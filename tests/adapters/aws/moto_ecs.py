"""An ECS service on moto's server, with what moto does not model filled in-process.

moto runs in this process (ThreadedMotoServer on 127.0.0.1), so the tests can
give its backend what real ECS reports and moto leaves out: stop codes,
container exit codes and reasons, service events, rollout states, unhealthy
targets.
"""

from __future__ import annotations

import time
from typing import Any

import attrs
import boto3

ACCOUNT = "123456789012"
REGION = "us-east-1"


@attrs.define
class EcsWorld:
    """Builds a cluster, a load-balanced service and its tasks on moto."""

    url: str
    cluster: str = "prod"
    service: str = "web"
    task_ids: list[str] = attrs.field(factory=list)
    target_group_arn: str = ""

    def client(self, name: str) -> Any:
        return boto3.client(name, endpoint_url=self.url, region_name=REGION)

    def build(self, *, port: int = 8080, memory: int = 512, tasks: int = 2, log_driver: str = "awslogs") -> EcsWorld:
        ec2, ecs, elbv2 = self.client("ec2"), self.client("ecs"), self.client("elbv2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        # moto's awsvpc RunTask fails unless the VPC has DNS hostnames.
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"] for i, zone in enumerate("ab")]
        lb = elbv2.create_load_balancer(Name="web-lb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        self.target_group_arn = elbv2.create_target_group(Name="web-tg", Protocol="HTTP", Port=port, VpcId=vpc, TargetType="ip", HealthCheckPath="/health")["TargetGroups"][0]["TargetGroupArn"]
        elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": self.target_group_arn}])
        ecs.create_cluster(clusterName=self.cluster)
        logging = {"logDriver": log_driver, "options": {"awslogs-group": f"/ecs/{self.service}", "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"}}
        ecs.register_task_definition(
            family=self.service,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory=str(memory),
            containerDefinitions=[{"name": self.service, "memory": memory, "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{self.service}:2.14.0", "essential": True, "portMappings": [{"containerPort": port}], "logConfiguration": logging}],
        )
        group = ec2.create_security_group(GroupName="web", Description="web tasks", VpcId=vpc)["GroupId"]
        network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}}
        ecs.create_service(
            cluster=self.cluster,
            serviceName=self.service,
            taskDefinition=self.service,
            desiredCount=tasks,
            launchType="FARGATE",
            networkConfiguration=network,
            loadBalancers=[{"targetGroupArn": self.target_group_arn, "containerName": self.service, "containerPort": port}],
        )
        deployment = self.ecs_backend().services[f"{self.cluster}:{self.service}"].deployments[0]["id"]
        response = ecs.run_task(cluster=self.cluster, taskDefinition=self.service, count=tasks, launchType="FARGATE", networkConfiguration=network, group=f"service:{self.service}", startedBy=deployment)
        self.task_ids = [t["taskArn"].rsplit("/", 1)[-1] for t in response["tasks"]]
        return self

    def ecs_backend(self) -> Any:
        from moto.backends import get_backend

        return get_backend("ecs")[ACCOUNT][REGION]

    def service_model(self) -> Any:
        return self.ecs_backend().services[f"{self.cluster}:{self.service}"]

    def task_model(self, task_id: str) -> Any:
        return next(t for arn, t in self.ecs_backend().tasks[self.cluster].items() if arn.endswith(task_id))

    def stop(self, task_id: str, *, stop_code: str, reason: str, exit_code: int | None = None, container_reason: str | None = None, at: float | None = None) -> None:
        """Stop a task the way ECS reports it (moto leaves these fields out)."""
        self.client("ecs").stop_task(cluster=self.cluster, task=task_id, reason=reason)
        task = self.task_model(task_id)
        task.status = "STOPPED"
        task.stop_code = stop_code
        task.stopped_at = at or time.time() - 60
        container = task.containers[0]
        container.last_status = "STOPPED"
        if exit_code is not None:
            container.exitCode = exit_code
        else:
            del container.exitCode
        if container_reason:
            container.reason = container_reason

    def events(self, *messages: str) -> None:
        """Service events, newest first, all within the last minutes."""
        now = time.time()
        self.service_model().events = [{"id": f"e{i}", "createdAt": now - 30 * i, "message": m} for i, m in enumerate(messages)]

    def rollout(self, state: str, reason: str | None = None) -> None:
        deployment = self.service_model().deployments[0]
        deployment["rolloutState"] = state
        if reason:
            deployment["rolloutStateReason"] = reason

    def logs(self, task_id: str, lines: list[str]) -> None:
        logs = self.client("logs")
        group = f"/ecs/{self.service}"
        try:
            logs.create_log_group(logGroupName=group)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        stream = f"ecs/{self.service}/{task_id}"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        # Real AWS and moto refuse events older than 14 days: stamp them now.
        now = int(time.time() * 1000) - len(lines) * 100
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now + i * 100, "message": line} for i, line in enumerate(lines)])

    def memory(self, values: list[float]) -> None:
        from datetime import datetime, timedelta, timezone

        cloudwatch = self.client("cloudwatch")
        start = datetime.now(timezone.utc) - timedelta(minutes=len(values) + 1)
        cloudwatch.put_metric_data(
            Namespace="AWS/ECS",
            MetricData=[
                {"MetricName": "MemoryUtilization", "Dimensions": [{"Name": "ClusterName", "Value": self.cluster}, {"Name": "ServiceName", "Value": self.service}], "Timestamp": start + timedelta(minutes=i), "Value": v, "Unit": "Percent"}
                for i, v in enumerate(values)
            ],
        )
