"""Registers the Kubernetes readers (and, when available, the live provider) with scdiag."""

from __future__ import annotations

from scdiag.plugins import CaptureReaderRegistry, ProviderRegistry, hookimpl


@hookimpl
def scdiag_register_providers(registry: ProviderRegistry) -> None:
    """What this distribution offers for provider ``kubernetes``."""
    registry.add_provider("kubernetes", "scdiag_k8s.provider:KubernetesProvider", description="any cluster, through the official client")
    registry.add_option("kubernetes", "namespace", short="n", help="namespace of the workload (default: default)")
    registry.add_option("kubernetes", "context", help="context in the kubeconfig (default: providers.kubernetes.contexts, else the current one)")
    registry.add_option("kubernetes", "kubeconfig", help="kubeconfig file, when not the default")
    registry.add_capability("kubernetes", "offline analysis of kubectl get -o json|yaml, kubectl describe, get pods and get events tables, rollout status, and kubectl logs (scdiag analyze)")


@hookimpl
def scdiag_register_capture_readers(registry: CaptureReaderRegistry) -> None:
    """The kubectl readers."""
    registry.add_reader("scdiag_k8s.captures:KubectlJsonReader")
    registry.add_reader("scdiag_k8s.describe:KubectlDescribeReader")
    registry.add_reader("scdiag_k8s.tables:KubectlPodsTableReader")
    registry.add_reader("scdiag_k8s.tables:KubectlEventsTableReader")
    registry.add_reader("scdiag_k8s.rollout:RolloutStatusReader")
