#!/usr/bin/python3
"""A reference trading agent of the Meridian order gateway, in Python.

    meridian_agent.py scenario --target 127.0.0.1:50051 --maker-key mrd_... --taker-key mrd_... \
        --symbol ACME

``scenario`` is the end-to-end script the platform e2e test runs (apps/platform-e2e): a maker
agent rests orders, replaces and cancels them and reads its execution reports; it drops its
stream, a taker agent (a second key, another account) crosses its bids meanwhile, and the maker
resumes from the last sequence it received. It prints one JSON summary on stdout (logs go to
stderr) and exits 0 when every step ran, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Callable, Optional, TypeVar

from meridian_client import (
    ExecutionReportStream,
    MeridianApiError,
    MeridianClient,
    common_pb2,
    orders_pb2,
)

T = TypeVar("T")
BUY = common_pb2.SIDE_BUY
SELL = common_pb2.SIDE_SELL
STEP_TIMEOUT_S = 20.0


def log(message: str) -> None:
    print(f"[agent] {message}", file=sys.stderr, flush=True)


def expect_error(action: Callable[[], object]) -> MeridianApiError:
    """Runs a call that must fail and returns its decoded error."""
    try:
        action()
    except MeridianApiError as error:
        return error
    raise AssertionError("the call succeeded but should have failed")


def eventually(what: str, probe: Callable[[], Optional[T]], timeout_s: float = STEP_TIMEOUT_S) -> T:
    """Polls ``probe`` until it returns a value (a NOT_FOUND on the way counts as not yet)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = probe()
            if value is not None:
                return value
        except MeridianApiError as error:
            if error.reason != "GATEWAY_ORDER_NOT_FOUND":
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stored(client: MeridianClient, order_id: str, through: int = 0) -> Callable[[], Optional[Any]]:
    """A probe for ``eventually``: the order once the order-store applied it through ``through``."""

    def probe() -> Optional[Any]:
        order = client.get_order(order_id=order_id)
        return order if order.last_sequence >= through else None

    return probe


def kind(event: Any) -> str:
    return str(event.WhichOneof("event"))


def describe(event: Any) -> dict[str, object]:
    out: dict[str, object] = {
        "sequence": event.sequence,
        "orderId": event.order_id,
        "clientOrderId": event.client_order_id,
        "kind": kind(event),
        "status": orders_pb2.OrderStatus.Name(event.status),
    }
    if kind(event) == "rejected":
        out["reject"] = {
            "reason": orders_pb2.RejectReason.Name(event.rejected.reason),
            "text": event.rejected.text,
        }
    if kind(event) in ("partially_filled", "filled"):
        fill = getattr(event, kind(event)).fill
        out["fill"] = {
            "executionId": fill.execution_id,
            "price": fill.price.value,
            "quantity": fill.quantity.value,
        }
    return out


def log_last(events: list[Any]) -> bool:
    """Logs the newest report of a read (to stderr); fails fast on a rejection (none expected)."""
    if events:
        last = events[-1]
        log(f"report {json.dumps(describe(last))}")
        if kind(last) == "rejected":
            raise AssertionError(
                f"{last.client_order_id} was rejected: "
                f"{orders_pb2.RejectReason.Name(last.rejected.reason)} ({last.rejected.text})"
            )
    return True


def count(kind_name: str, n: int) -> Callable[[list[Any]], bool]:
    return lambda events: sum(1 for e in events if kind(e) == kind_name) >= n


def order_state(order: Any) -> dict[str, object]:
    return {
        "orderId": order.order_id,
        "status": orders_pb2.OrderStatus.Name(order.status),
        "quantity": order.terms.quantity.value,
        "limitPrice": order.terms.limit_price.value,
        "cumulativeQuantity": order.cumulative_quantity.value,
        "leavesQuantity": order.leaves_quantity.value,
        "averagePrice": order.average_price.value if order.HasField("average_price") else None,
        "lastSequence": order.last_sequence,
    }


def replay_sequences(client: MeridianClient, symbol: str, through: int) -> list[int]:
    """Sequences of a fresh stream from 1, read until ``through`` (the log, as the server has it)."""
    stream = client.execution_reports(symbol)
    stream.connect(from_sequence=1)
    try:
        events = stream.read_until(
            lambda got: bool(got) and got[-1].sequence >= through, STEP_TIMEOUT_S
        )
    finally:
        stream.disconnect()
    return [e.sequence for e in events]


def scenario(target: str, maker_key: str, taker_key: str, symbol: str) -> dict[str, object]:
    maker = MeridianClient(target, maker_key)
    taker = MeridianClient(target, taker_key)
    maker.wait_until_serving()
    errors: dict[str, object] = {}

    # Bad paths first: each must come back with the gateway's ErrorInfo decoded.
    errors["invalidQuantity"] = expect_error(
        lambda: maker.submit_limit("m-bad-1", symbol, BUY, "0", "99.00")
    ).as_dict()
    with MeridianClient(target, "mrd_0123456789abcdef.not-the-secret") as stranger:
        errors["unauthenticated"] = expect_error(
            lambda: stranger.submit_limit("x-1", symbol, BUY, "1", "99.00")
        ).as_dict()
    errors["resumeWithoutSymbol"] = expect_error(
        lambda: next(maker.raw_stream("", from_sequence=5))
    ).as_dict()

    stream: ExecutionReportStream = maker.execution_reports(symbol)
    # Per connection: the from_sequence it was opened with and the sequences it delivered.
    connections: list[tuple[int, list[int]]] = []
    received: list[Any] = []

    def read(done: Callable[[list[Any]], bool]) -> list[Any]:
        events = stream.read_until(lambda got: log_last(got) and done(got), STEP_TIMEOUT_S)
        received.extend(events)
        connections[-1][1].extend(e.sequence for e in events)
        return events

    def open_connection() -> None:
        start = stream.connect()
        connections.append((start, []))
        log(f"stream connected from sequence {start}")

    # Connection 1: rest three orders, replace one, cancel another.
    open_connection()
    bid1 = maker.submit_limit("m-bid-1", symbol, BUY, "10", "99.00")
    bid2 = maker.submit_limit("m-bid-2", symbol, BUY, "5", "98.00")
    ask1 = maker.submit_limit("m-ask-1", symbol, SELL, "7", "101.00")
    retry = maker.submit_limit("m-bid-1", symbol, BUY, "10", "99.00")
    read(count("accepted", 3))
    maker.replace("m-bid-2-r1", symbol, orig_client_order_id="m-bid-2", limit_price="98.50")
    maker.cancel("m-ask-1-c1", symbol, order_id=ask1.order_id)
    read(lambda got: count("replaced", 1)(got) and count("canceled", 1)(got))

    # Drop the stream; the taker trades against the maker's bids while nobody listens.
    stream.disconnect()
    last_before = stream.last_sequence
    log(f"stream dropped after sequence {last_before}")
    t1 = taker.submit_limit("t-sell-1", symbol, SELL, "6", "99.00", orders_pb2.TIME_IN_FORCE_IOC)
    t2 = taker.submit_limit("t-sell-2", symbol, SELL, "8", "98.00", orders_pb2.TIME_IN_FORCE_IOC)

    def bids_filled() -> Optional[bool]:
        filled = maker.get_order(order_id=bid1.order_id).status == orders_pb2.ORDER_STATUS_FILLED
        partly = maker.get_order(order_id=bid2.order_id).cumulative_quantity.value == "4"
        return True if filled and partly else None

    # The order-store has the fills, so they happened while the maker was away.
    eventually("the taker's sells to fill the maker's bids", bids_filled)

    # Connection 2: resume from last + 1; the fills come from the replay log, then live reports.
    open_connection()
    read(lambda got: count("filled", 1)(got) and count("partially_filled", 2)(got))
    after_resume = len(connections[-1][1])
    maker.cancel("m-bid-2-c1", symbol, orig_client_order_id="m-bid-2")
    read(count("canceled", 1))
    stream.disconnect()

    # Final states (the order-store may trail the stream by a moment).
    last_seen = {event.order_id: event.sequence for event in received}
    final = {
        name: order_state(
            eventually(f"{name} to be stored", stored(maker, order_id, last_seen[order_id]))
        )
        for name, order_id in (
            ("m-bid-1", bid1.order_id),
            ("m-bid-2", bid2.order_id),
            ("m-ask-1", ask1.order_id),
        )
    }
    by_client_id = order_state(maker.get_order(client_order_id="m-bid-1"))
    open_orders = [o.client_order_id for o in maker.list_open_orders(symbol)]
    errors["cancelFilled"] = expect_error(
        lambda: maker.cancel("m-bid-1-c1", symbol, order_id=bid1.order_id)
    ).as_dict()
    errors["getUnknown"] = expect_error(
        lambda: maker.get_order(order_id="00000000-0000-4000-8000-000000000000")
    ).as_dict()

    taker_last = max(
        eventually("the taker's orders to be stored", stored(taker, ack.order_id)).last_sequence
        for ack in (t1, t2)
    )
    summary: dict[str, object] = {
        "symbol": symbol,
        "errors": errors,
        "idempotentRetry": {"first": bid1.order_id, "retry": retry.order_id},
        "stream": {
            "connections": [
                {"fromSequence": start, "sequences": sequences} for start, sequences in connections
            ],
            "lastBeforeDisconnect": last_before,
            "receivedAfterResume": after_resume,
            "duplicatesDropped": stream.duplicates_dropped,
            "events": [describe(e) for e in received],
            "replay": replay_sequences(maker, symbol, stream.last_sequence),
        },
        "orders": final,
        "orderByClientId": by_client_id,
        "openOrders": open_orders,
        "taker": {
            "orderIds": [t1.order_id, t2.order_id],
            "sequences": replay_sequences(taker, symbol, taker_last),
        },
    }
    maker.close()
    taker.close()
    return summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    run = sub.add_parser("scenario", help="the end-to-end scenario (JSON summary on stdout)")
    run.add_argument("--target", required=True, help="host:port of the order gateway")
    run.add_argument("--maker-key", required=True, help="API key (mrd_...) of the resting agent")
    run.add_argument("--taker-key", required=True, help="API key of the crossing agent")
    run.add_argument("--symbol", required=True)
    args = parser.parse_args(argv)
    try:
        summary = scenario(args.target, args.maker_key, args.taker_key, args.symbol)
    except (MeridianApiError, AssertionError, TimeoutError, ConnectionError) as error:
        log(f"scenario failed: {error!r}")
        print(json.dumps({"error": str(error)}), flush=True)
        return 1
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
