"""Alarms on what users see: the public health check, the CDN and its certificate (edge
metrics, us-east-1), and the app tier on Kubernetes (Container Insights) or ECS (the service
and its Application Load Balancer). Pure Python; see ``pulumi_webstack.alarms`` for what
every spec shares and how missing data is treated."""

from typing import Any, Sequence

from pulumi_webstack.alarms import AlarmSpec, Severity, Thresholds, gauge_warning


def cdn_alarms(t: Thresholds, distribution_id: Any, *, additional_metrics: bool = True) -> list[AlarmSpec]:
    """CloudFront (us-east-1, ``Region=Global``): 5xx error rate; origin latency p95.

    ``5xxErrorRate`` is a default distribution metric; ``OriginLatency`` exists only with
    the additional metrics subscription (``MonitoringSubscription``), so without it that
    alarm is left out rather than sitting in INSUFFICIENT_DATA forever.
    """
    dims = {"DistributionId": distribution_id, "Region": "Global"}
    specs = [
        AlarmSpec(
            key="cdn-5xx-rate", title="CDN 5xx error rate", severity=Severity.CRITICAL,
            namespace="AWS/CloudFront", metric_name="5xxErrorRate", dimensions=dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.error_rate_percent, unit="%",
            period=60, evaluation_periods=5, datapoints_to_alarm=3, edge=True,
            treat_missing_data="notBreaching",
            missing_data_reason="CloudFront publishes no error rate without requests: no traffic, no errors",
            description=(
                f"More than {t.error_rate_percent:g}% of requests answered 5xx in 3 of the last 5 minutes. Users "
                "see errors. Check the service-down alarm and the origin (app tier deploys, database and cache "
                "alarms); roll back the latest release if it coincides."
            ),
        ),
    ]
    if additional_metrics:
        specs.append(AlarmSpec(
            key="cdn-origin-latency-p95", title="Origin latency p95", severity=Severity.WARNING,
            namespace="AWS/CloudFront", metric_name="OriginLatency", dimensions=dims,
            extended_statistic="p95", comparison="GreaterThanThreshold",
            threshold=t.latency_p95_seconds * 1000, unit="ms",
            period=300, evaluation_periods=3, datapoints_to_alarm=3, edge=True,
            treat_missing_data="notBreaching",
            missing_data_reason="no requests reach the origin (all cached or no traffic): nothing is slow",
            description=(
                f"95th percentile origin response time above {t.latency_p95_seconds:g} s for 15 minutes. Check "
                "database CPU/connections and cache alarms, slow endpoints in the app logs, and app-tier "
                "saturation (instances at max)."
            ),
        ))
    return specs


def certificate_alarms(t: Thresholds, certificate_arn: Any) -> list[AlarmSpec]:
    """ACM ``DaysToExpiry`` of the CDN certificate (us-east-1)."""
    return [AlarmSpec(
        key="certificate-expiry", title="Certificate expiry", severity=Severity.WARNING,
        namespace="AWS/CertificateManager", metric_name="DaysToExpiry", dimensions={"CertificateArn": certificate_arn},
        statistic="Minimum", comparison="LessThanThreshold", threshold=float(t.certificate_expiry_days), unit="days",
        period=86_400, evaluation_periods=1, datapoints_to_alarm=1, edge=True,
        treat_missing_data="missing",
        missing_data_reason=("ACM publishes once a day; a gap (such as a certificate issued an hour ago) says "
                             "nothing about expiry, so the alarm keeps its state"),
        description=(
            f"The CDN certificate expires in less than {t.certificate_expiry_days} days and ACM has not renewed "
            "it. Check the DNS validation CNAME records still exist and the certificate is in use; renewal "
            "needs both."
        ),
    )]


def health_alarms(t: Thresholds, health_check_id: Any) -> list[AlarmSpec]:
    """Route 53 health check on the public health URL (metrics only in us-east-1)."""
    minutes = t.service_down_minutes
    return [AlarmSpec(
        key="service-down", title="Service down", severity=Severity.CRITICAL,
        namespace="AWS/Route53", metric_name="HealthCheckStatus", dimensions={"HealthCheckId": health_check_id},
        statistic="Minimum", comparison="LessThanThreshold", threshold=1.0, unit="(1 = healthy)",
        period=60, evaluation_periods=minutes, datapoints_to_alarm=minutes, edge=True,
        treat_missing_data="breaching",
        missing_data_reason=("the health checkers report every minute; silence means the check itself is "
                             "broken or gone, and an unwatched service must be treated as down"),
        description=(
            f"The public health URL has failed Route 53 checks for {minutes} minutes: users cannot use the "
            "service. Open the health URL, check the CDN 5xx alarm, the app tier (deploy status, pods/"
            "functions) and the database and cache alarms; roll back the latest release if it coincides."
        ),
    )]


def kubernetes_alarms(
    t: Thresholds, cluster: str, namespace: Any, deployment: Any, max_replicas: int
) -> list[AlarmSpec]:
    """App on Kubernetes, from CloudWatch Container Insights (EKS, enhanced observability).

    Container Insights must be installed on the cluster (the CloudWatch Observability add-on);
    without it these metrics do not exist and the alarms stay OK (``notBreaching``), which
    is why the service-down and CDN alarms remain the primary signal. Container Insights
    names a workload's pods by the workload (``PodName`` = Deployment name). It publishes no
    HorizontalPodAutoscaler metric, so "HPA at max" is measured as running pods in the app's
    namespace reaching the HPA's ``maxReplicas``.
    """
    pod = {"ClusterName": cluster, "Namespace": namespace, "PodName": deployment}
    return [
        AlarmSpec(
            key="app-pod-restarts", title="App pod restarts", severity=Severity.WARNING,
            namespace="ContainerInsights", metric_name="pod_number_of_container_restarts", dimensions=pod,
            statistic="Maximum", comparison="GreaterThanThreshold", threshold=float(t.pod_restarts), unit="restarts",
            period=300, evaluation_periods=1, datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
            missing_data_reason="no pods reporting restarts (or Container Insights not installed): nothing restarted",
            description=(
                f"A pod of the app Deployment restarted more than {t.pod_restarts} times. Check `kubectl describe "
                "pod` for OOMKilled or failing liveness probes and the previous container's logs "
                "(`kubectl logs --previous`)."
            ),
        ),
        AlarmSpec(
            key="app-crash-loop", title="App pods crash-looping", severity=Severity.WARNING,
            namespace="ContainerInsights", metric_name="pod_container_status_waiting_reason_crash_loop_back_off",
            dimensions=pod, statistic="Maximum", comparison="GreaterThanOrEqualToThreshold", threshold=1.0,
            unit="containers", period=60, evaluation_periods=5, datapoints_to_alarm=5,
            treat_missing_data="notBreaching",
            missing_data_reason="published only while a container is in CrashLoopBackOff",
            description=(
                "A container of the app Deployment has been in CrashLoopBackOff for 5 minutes. Check the "
                "latest image and config change, `kubectl logs --previous`, and roll back the Deployment."
            ),
        ),
        AlarmSpec(
            key="app-hpa-at-max", title="App at max replicas", severity=Severity.WARNING,
            namespace="ContainerInsights", metric_name="namespace_number_of_running_pods",
            dimensions={"ClusterName": cluster, "Namespace": namespace},
            statistic="Maximum", comparison="GreaterThanOrEqualToThreshold", threshold=float(max_replicas),
            unit="pods", period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            missing_data_reason="no running-pod count (or Container Insights not installed): not at max",
            description=(
                f"The app has run at its autoscaling maximum ({max_replicas} pods) for 15 minutes and cannot scale "
                "further; latency will rise. Raise maxInstances, check node capacity, or find what made "
                "traffic or per-request CPU jump."
            ),
        ),
    ]


def alb_5xx_rate_queries(load_balancer: Any, period: int) -> list[dict[str, Any]]:
    """Metric math of an Application Load Balancer's 5xx rate in percent: responses the
    targets answered 5xx plus those the load balancer answered 5xx itself (502/503/504 when
    no target can), over all requests; no requests, no data."""
    dims = {"LoadBalancer": load_balancer}

    def metric(key: str, name: str) -> dict[str, Any]:
        return {"id": key, "return_data": False, "metric": {
            "namespace": "AWS/ApplicationELB", "metric_name": name, "dimensions": dims, "period": period, "stat": "Sum"}}

    return [
        metric("targets", "HTTPCode_Target_5XX_Count"),
        metric("balancer", "HTTPCode_ELB_5XX_Count"),
        metric("requests", "RequestCount"),
        {"id": "rate", "expression": "100 * (FILL(targets, 0) + FILL(balancer, 0)) / requests",
         "label": "5xx responses (%)", "return_data": True},
    ]


def ecs_alarms(t: Thresholds, cluster: Any, service: Any, load_balancer: Any, target_groups: Sequence[Any],
               min_tasks: int) -> list[AlarmSpec]:
    """App on ECS (Fargate) behind its Application Load Balancer: service CPU and memory,
    running tasks below the minimum, the load balancer's 5xx rate, target p95 latency, and
    unhealthy targets per target group. ``RunningTaskCount`` is a Container Insights metric
    (``EcsApp`` turns it on for its cluster)."""
    return [*_ecs_service_alarms(t, {"ClusterName": cluster, "ServiceName": service}, min_tasks),
            *_load_balancer_alarms(t, load_balancer, target_groups)]


def _ecs_service_alarms(t: Thresholds, service_dims: dict[str, Any], min_tasks: int) -> list[AlarmSpec]:
    """The service's tasks: CPU and memory at their ceiling, fewer running than the minimum."""
    return [
        gauge_warning(
            key="app-cpu", title="App CPU",
            namespace="AWS/ECS", metric_name="CPUUtilization", dimensions=service_dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.app_cpu_percent, unit="%",
            description=(
                f"The app's tasks average more than {t.app_cpu_percent:g}% CPU for 15 minutes although autoscaling "
                "targets less: the service is at its maximum task count or scaling cannot keep up. Check the task "
                "count against maxInstances, slow endpoints, and the latest release."
            ),
        ),
        gauge_warning(
            key="app-memory", title="App memory",
            namespace="AWS/ECS", metric_name="MemoryUtilization", dimensions=service_dims,
            statistic="Average", comparison="GreaterThanThreshold", threshold=t.memory_percent, unit="%",
            description=(
                f"The app's tasks use more than {t.memory_percent:g}% of their memory for 15 minutes; a task that "
                "reaches its limit is killed. Look for a leak (memory growing since the last deploy) or raise "
                "taskMemoryMib."
            ),
        ),
        AlarmSpec(
            key="app-running-tasks", title="App tasks below minimum", severity=Severity.WARNING,
            namespace="ECS/ContainerInsights", metric_name="RunningTaskCount", dimensions=service_dims,
            statistic="Minimum", comparison="LessThanThreshold", threshold=float(min_tasks), unit="tasks",
            period=60, evaluation_periods=5, datapoints_to_alarm=5,
            treat_missing_data="breaching",
            missing_data_reason=("Container Insights reports the running tasks every minute while the service "
                                 "exists; silence means no task runs, the failure this alarm is for"),
            description=(
                f"Fewer than {min_tasks} tasks (the minimum) have run for 5 minutes: tasks are failing to start or "
                "crashing. Check the service's events and stopped tasks (stop reason, exit code), the image pull and "
                "secrets (execution role), and the container logs."
            ),
        ),
    ]


def _load_balancer_alarms(t: Thresholds, load_balancer: Any, target_groups: Sequence[Any]) -> list[AlarmSpec]:
    """What the app's Application Load Balancer sees: the 5xx rate, target p95 latency, and
    unhealthy targets per target group."""
    specs = [
        AlarmSpec(
            key="app-5xx-rate", title="App 5xx rate", severity=Severity.CRITICAL,
            namespace="AWS/ApplicationELB", metric_name="HTTPCode_Target_5XX_Count", dimensions={},
            queries=tuple(alb_5xx_rate_queries(load_balancer, 60)),
            comparison="GreaterThanThreshold", threshold=t.error_rate_percent, unit="%",
            period=60, evaluation_periods=5, datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            missing_data_reason="no requests reach the load balancer: no responses, no errors",
            description=(
                f"More than {t.error_rate_percent:g}% of the load balancer's responses were 5xx in 3 of the last 5 "
                "minutes. Check the unhealthy-targets and running-tasks alarms, the latest deployment (ECS rolls back "
                "on its own alarms), and the database and cache alarms."
            ),
        ),
        AlarmSpec(
            key="app-latency-p95", title="App latency p95", severity=Severity.WARNING,
            namespace="AWS/ApplicationELB", metric_name="TargetResponseTime", dimensions={"LoadBalancer": load_balancer},
            extended_statistic="p95", comparison="GreaterThanThreshold", threshold=t.latency_p95_seconds, unit="s",
            period=300, evaluation_periods=3, datapoints_to_alarm=3,
            treat_missing_data="notBreaching",
            missing_data_reason="no requests reach the targets: nothing is slow",
            description=(
                f"95th percentile target response time above {t.latency_p95_seconds:g} s for 15 minutes. Check "
                "database CPU/connections and cache alarms, slow endpoints in the app logs, and whether the service "
                "runs at its maximum task count."
            ),
        ),
    ]
    for index, group in enumerate(target_groups):
        specs.append(AlarmSpec(
            key=f"app-unhealthy-targets-{index}", title=f"App unhealthy targets ({index})", severity=Severity.WARNING,
            namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount",
            dimensions={"TargetGroup": group, "LoadBalancer": load_balancer},
            statistic="Maximum", comparison="GreaterThanOrEqualToThreshold", threshold=1.0, unit="targets",
            period=60, evaluation_periods=5, datapoints_to_alarm=5,
            treat_missing_data="notBreaching",
            missing_data_reason=("a target group without registered targets (the idle one of a canary or "
                                 "blue/green pair) reports nothing: no target is unhealthy"),
            description=(
                f"At least one task of target group {index} has failed the load balancer's health check for 5 "
                "minutes. Check the health endpoint's answer in the container logs and the task's dependencies "
                "(database, cache); ECS replaces tasks that stay unhealthy."
            ),
        ))
    return specs
