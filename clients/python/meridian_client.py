"""A small Python client of the Meridian order gateway (OrderService over gRPC).

The stubs are generated from libs/contracts/proto by ``generate.sh`` (protoc + grpc_python_plugin)
into ``generated/`` beside this file, or into the directory named by ``MERIDIAN_PY_STUBS``.
Every call carries the agent's API key in the ``x-api-key`` metadata header. Errors are raised
as :class:`MeridianApiError`, with the ``google.rpc.ErrorInfo`` the gateway puts into the
``grpc-status-details-bin`` trailer decoded (clients branch on ``reason``, never on the text).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Sequence, TypeVar, Union

import grpc

_STUBS = Path(os.environ.get("MERIDIAN_PY_STUBS", Path(__file__).resolve().parent / "generated"))
if not (_STUBS / "meridian" / "orders" / "v1" / "order_service_pb2.py").is_file():
    raise ImportError(
        f"Meridian stubs not found in {_STUBS}: run clients/python/generate.sh "
        "(or set MERIDIAN_PY_STUBS to where they were generated)"
    )
sys.path.insert(0, str(_STUBS))

# The generated modules are untyped; they are imported after the path is set up.
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from meridian.common.v1 import common_pb2  # noqa: E402
from meridian.orders.v1 import order_service_pb2 as svc  # noqa: E402
from meridian.orders.v1 import order_service_pb2_grpc as svc_grpc  # noqa: E402
from meridian.orders.v1 import orders_pb2  # noqa: E402

__all__ = [
    "API_KEY_HEADER",
    "ERROR_DOMAIN",
    "ExecutionReportStream",
    "MeridianApiError",
    "MeridianClient",
    "common_pb2",
    "orders_pb2",
    "svc",
]

API_KEY_HEADER = "x-api-key"
ERROR_DOMAIN = "order-gateway.meridian"
_STATUS_DETAILS = "grpc-status-details-bin"

OrderEvent = Any  # meridian.orders.v1.OrderEvent (generated, untyped)
Order = Any  # meridian.orders.v1.Order
T = TypeVar("T")


@dataclass(frozen=True)
class MeridianApiError(Exception):
    """A failed call: the gRPC status plus the ErrorInfo of its google.rpc.Status, if any."""

    code: grpc.StatusCode
    message: str
    reason: Optional[str] = None
    domain: Optional[str] = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason or '-'}: {self.message}"

    @staticmethod
    def from_rpc_error(error: grpc.RpcError) -> "MeridianApiError":
        """Decodes ``grpc-status-details-bin`` (a google.rpc.Status) from the call's trailers."""
        code = error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        trailers = error.trailing_metadata() if isinstance(error, grpc.Call) else None
        for key, value in trailers or ():
            if key != _STATUS_DETAILS or not isinstance(value, bytes):
                continue
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    return MeridianApiError(
                        code=code,
                        message=status.message or details or "",
                        reason=info.reason,
                        domain=info.domain,
                        metadata=dict(info.metadata),
                    )
        return MeridianApiError(code=code, message=details or "")

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code.name,
            "reason": self.reason,
            "domain": self.domain,
            "metadata": dict(self.metadata),
            "message": self.message,
        }


def decimal(value: Optional[str]) -> Optional[Any]:
    """A meridian.common.v1.Decimal from its exact string form (never a float)."""
    return None if value is None else common_pb2.Decimal(value=value)


class MeridianClient:
    """OrderService for one agent (one API key) over one channel."""

    def __init__(self, target: str, api_key: str, *, timeout_s: float = 10.0) -> None:
        self._channel = grpc.insecure_channel(target)
        self._orders = svc_grpc.OrderServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self._metadata = ((API_KEY_HEADER, api_key),)
        self._timeout_s = timeout_s

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "MeridianClient":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def wait_until_serving(self, timeout_s: float = 30.0) -> None:
        """Blocks until grpc.health.v1 reports the OrderService SERVING."""
        deadline = time.monotonic() + timeout_s
        request = health_pb2.HealthCheckRequest(service="meridian.orders.v1.OrderService")
        while True:
            try:
                response = self._health.Check(request, timeout=2.0)
                if response.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise TimeoutError("the order gateway did not report SERVING")
            time.sleep(0.2)

    def _call(self, method: Callable[..., T], request: object) -> T:
        try:
            return method(request, metadata=self._metadata, timeout=self._timeout_s)
        except grpc.RpcError as error:
            raise MeridianApiError.from_rpc_error(error) from None

    def submit_limit(
        self,
        client_order_id: str,
        symbol: str,
        side: int,
        quantity: str,
        limit_price: str,
        time_in_force: int = orders_pb2.TIME_IN_FORCE_GTC,
    ) -> Any:
        """Submits a LIMIT order; returns the SubmitOrderResponse (order_id, command_id)."""
        return self.submit(
            client_order_id,
            symbol,
            orders_pb2.NewOrder(
                side=side,
                order_type=orders_pb2.ORDER_TYPE_LIMIT,
                time_in_force=time_in_force,
                quantity=decimal(quantity),
                limit_price=decimal(limit_price),
            ),
        )

    def submit(self, client_order_id: str, symbol: str, order: Any) -> Any:
        """Submits any NewOrder; a retry with the same client_order_id and body is idempotent."""
        request = svc.SubmitOrderRequest(client_order_id=client_order_id, symbol=symbol, order=order)
        return self._call(self._orders.SubmitOrder, request)

    def cancel(
        self,
        client_order_id: str,
        symbol: str,
        *,
        order_id: Optional[str] = None,
        orig_client_order_id: Optional[str] = None,
    ) -> Any:
        """Requests a cancel of the order named by order_id or orig_client_order_id."""
        request = svc.CancelOrderRequest(
            client_order_id=client_order_id, symbol=symbol, **_target(order_id, orig_client_order_id)
        )
        return self._call(self._orders.CancelOrder, request)

    def replace(
        self,
        client_order_id: str,
        symbol: str,
        *,
        order_id: Optional[str] = None,
        orig_client_order_id: Optional[str] = None,
        quantity: Optional[str] = None,
        limit_price: Optional[str] = None,
    ) -> Any:
        """Requests new terms for an order; absent terms stay as they are."""
        replacement = orders_pb2.ReplaceOrder(
            quantity=decimal(quantity), limit_price=decimal(limit_price)
        )
        request = svc.ReplaceOrderRequest(
            client_order_id=client_order_id,
            symbol=symbol,
            replacement=replacement,
            **_target(order_id, orig_client_order_id),
        )
        return self._call(self._orders.ReplaceOrder, request)

    def get_order(
        self, *, order_id: Optional[str] = None, client_order_id: Optional[str] = None
    ) -> Order:
        """The order's current state as the order-store has it."""
        if (order_id is None) == (client_order_id is None):
            raise ValueError("give exactly one of order_id, client_order_id")
        request = (
            svc.GetOrderRequest(order_id=order_id)
            if order_id is not None
            else svc.GetOrderRequest(client_order_id=client_order_id)
        )
        return self._call(self._orders.GetOrder, request).order

    def list_open_orders(self, symbol: str = "") -> list[Order]:
        """Every open order of the caller (follows next_page_token)."""
        found: list[Order] = []
        token = ""
        while True:
            page = self._call(
                self._orders.ListOpenOrders,
                svc.ListOpenOrdersRequest(symbol=symbol, page_token=token),
            )
            found.extend(page.orders)
            token = page.next_page_token
            if not token:
                return found

    def execution_reports(self, symbol: str) -> "ExecutionReportStream":
        """A resumable stream of this agent's execution reports of one symbol."""
        return ExecutionReportStream(self._orders, self._metadata, symbol)

    def raw_stream(self, symbol: str, from_sequence: int) -> Iterator[Any]:
        """The bare server stream (responses); errors surface as MeridianApiError when read."""
        call = self._orders.StreamExecutionReports(
            svc.StreamExecutionReportsRequest(symbol=symbol, from_sequence=from_sequence),
            metadata=self._metadata,
        )
        try:
            yield from call
        except grpc.RpcError as error:
            raise MeridianApiError.from_rpc_error(error) from None


def _target(order_id: Optional[str], orig_client_order_id: Optional[str]) -> dict[str, str]:
    if (order_id is None) == (orig_client_order_id is None):
        raise ValueError("give exactly one of order_id, orig_client_order_id")
    return {"order_id": order_id} if order_id is not None else {
        "orig_client_order_id": orig_client_order_id or ""
    }


_End = object()


class ExecutionReportStream:
    """StreamExecutionReports for one symbol that survives disconnects.

    A background thread reads the server stream into a queue, so the caller can wait with a
    timeout. ``connect`` (re)opens the stream with ``from_sequence`` = last received + 1, which
    the gateway answers with the logged reports from there and then live ones, without gap or
    duplicate; reports at or below the last sequence are dropped here as well (belt and braces).
    """

    def __init__(self, stub: Any, metadata: Sequence[tuple[str, str]], symbol: str) -> None:
        self._stub = stub
        self._metadata = metadata
        self.symbol = symbol
        self.last_sequence = 0
        self.duplicates_dropped = 0
        self._call: Optional[Any] = None
        self._queue: "queue.Queue[Union[OrderEvent, MeridianApiError, object]]" = queue.Queue()

    @property
    def connected(self) -> bool:
        return self._call is not None

    def connect(self, from_sequence: Optional[int] = None) -> int:
        """Opens the stream; by default resumes after the last sequence received (or from 1)."""
        if self._call is not None:
            raise RuntimeError("already connected")
        start = self.last_sequence + 1 if from_sequence is None else from_sequence
        request = svc.StreamExecutionReportsRequest(symbol=self.symbol, from_sequence=start)
        call = self._stub.StreamExecutionReports(request, metadata=self._metadata)
        self._call = call
        self._queue = queue.Queue()
        threading.Thread(target=self._pump, args=(call, self._queue), daemon=True).start()
        return start

    def disconnect(self) -> None:
        """Cancels the server stream (the client side of a dropped connection)."""
        if self._call is not None:
            self._call.cancel()
            self._call = None

    @staticmethod
    def _pump(call: Any, sink: "queue.Queue[Union[OrderEvent, MeridianApiError, object]]") -> None:
        try:
            for response in call:
                sink.put(response.event)
            sink.put(_End)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.CANCELLED:
                sink.put(_End)  # our own disconnect
            else:
                sink.put(MeridianApiError.from_rpc_error(error))

    def next(self, timeout_s: float) -> Optional[OrderEvent]:
        """The next new report, None at the end of the stream; raises on errors and timeouts."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no execution report on {self.symbol} within {timeout_s}s")
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if item is _End:
                self._call = None
                return None
            if isinstance(item, MeridianApiError):
                self._call = None
                raise item
            if item.sequence <= self.last_sequence:
                self.duplicates_dropped += 1
                continue
            self.last_sequence = item.sequence
            return item

    def read_until(
        self, done: Callable[[list[OrderEvent]], bool], timeout_s: float
    ) -> list[OrderEvent]:
        """Reads reports until ``done(reports so far)`` holds."""
        deadline = time.monotonic() + timeout_s
        got: list[OrderEvent] = []
        while not done(got):
            event = self.next(max(0.001, deadline - time.monotonic()))
            if event is None:
                raise ConnectionError(f"the {self.symbol} stream ended")
            got.append(event)
        return got
