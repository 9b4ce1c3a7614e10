"""Python client for the Redthread graph investigation API.

    from redthread import Client
    with Client("http://127.0.0.1:8080", token) as rt:
        flow = rt.money_flow(["incident:coincheck-theft"], taint="HAIRCUT")
        flow.to_df()            # one row per sink, one column per asset
"""

from ._transport import Response
from .client import Client
from .errors import (AuthError, ConflictError, InvalidArgumentError, LimitError, NotFoundError, RateLimitedError,
                     RedthreadError, RedthreadWarning, ServerError, TimeoutError, UnavailableError)
from .results import (Cluster, Communities, Exposure, MoneyFlow, NodeList, Path, PathList, PersonaCluster,
                      SearchPage, SharedCase, Subgraph, Value, props)

__all__ = [
    "Client", "Response", "props",
    "RedthreadError", "RedthreadWarning", "AuthError", "NotFoundError", "InvalidArgumentError", "LimitError",
    "RateLimitedError", "TimeoutError", "ConflictError", "UnavailableError", "ServerError",
    "Cluster", "Communities", "Exposure", "MoneyFlow", "NodeList", "Path", "PathList", "PersonaCluster",
    "SearchPage", "SharedCase", "Subgraph", "Value",
]
__version__ = "0.1.0"
