"""A tiny stand-in for the grpcio package, so the example runs with plain python3.

Only what the example touches is here: the StatusCode enum, a ServicerContext that
records the status a servicer method sets, and the RpcError its abort() raises.
Run from this folder, `import grpc` finds this file before any installed grpcio.
"""

import enum
from typing import NoReturn


class StatusCode(enum.Enum):
    """The gRPC status codes, numbered as on the wire."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class RpcError(Exception):
    """Ends an rpc with a status: raised by ServicerContext.abort."""

    def __init__(self, code: StatusCode, details: str) -> None:
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


class ServicerContext:
    """The context a servicer method is called with; this one only keeps the status."""

    def __init__(self) -> None:
        self._code = StatusCode.OK
        self._details = ""

    def set_code(self, code: StatusCode) -> None:
        self._code = code

    def set_details(self, details: str) -> None:
        self._details = details

    def code(self) -> StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def abort(self, code: StatusCode, details: str) -> NoReturn:
        """Set the status and end the rpc, as grpc's abort does."""
        self.set_code(code)
        self.set_details(details)
        raise RpcError(code, details)
