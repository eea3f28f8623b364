"""Building the kubernetes ApiClient, with the client's own retries turned off."""

from __future__ import annotations

from typing import Any

from scdiag.errors import CloudError

__all__ = ["build_api_client"]


def build_api_client(*, kubeconfig: str | None = None, context: str | None = None) -> Any:
    """An ApiClient from the kubeconfig (``KUBECONFIG`` or ``~/.kube/config``) or the in-cluster account.

    urllib3's retries are turned off: ``cloud_call`` is the only retry loop,
    and the client's default retries would multiply every timeout by four.

    Raises:
        CloudError: no kubeconfig and not in a cluster, or an unknown context.
    """
    from kubernetes import client, config

    configuration = client.Configuration()
    try:
        config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
    except config.ConfigException as error:
        text = str(error)
        if context and "context" in text.lower():
            try:
                contexts, _active = config.list_kube_config_contexts(config_file=kubeconfig)
                names = ", ".join(sorted(c["name"] for c in contexts)) or "none"
            except Exception:  # the kubeconfig itself is unreadable: say so below
                names = "unknown"
            raise CloudError(f"kubeconfig has no context {context!r} (available: {names})", provider="kubernetes", operation="load_kube_config") from None
        try:
            config.load_incluster_config(client_configuration=configuration)
        except config.ConfigException:
            raise CloudError(
                f"no usable kubeconfig ({text}) and not running inside a cluster; set KUBECONFIG or pass --kubeconfig",
                provider="kubernetes",
                operation="load_kube_config",
            ) from None
    except OSError as error:
        raise CloudError(f"cannot read the kubeconfig: {error}", provider="kubernetes", operation="load_kube_config") from None
    configuration.retries = False
    return client.ApiClient(configuration)
