"""Shares of a folded perf profile (inferno-collapse-perf output) spent in
each part of a call, inclusive (a frame and everything it calls), counted
once per stack. Usage: profile_shares.py FOLDED NAME"""
import re
import sys

PARTS = {
    "hand-written layer, own frames": r"upheal_provider_users::(call|values|errors|rate_limit|telemetry)::",
    "  validate + to_request": r"ProviderUserUpdate::(validate|to_request)",
    "  id to path text": r"ProviderUserId as core::fmt::Display",
    "  identity check": r"check_identity|ProviderUserId::identifies",
    "  body cap (limit_body)": r"response_body::limit_body",
    "tracing (spans, events, interest)": r"tracing_core::|tracing::span::|tracing::__macro_support",
    "tokio timers (timeout, sleep)": r"tokio::time::|tokio::runtime::time::",
    "generated method (progenitor)": r"update_provider_user_by_id_v2",
    "request JSON (serialize)": r"UpdateProviderUserRequest.*Serialize|serde_json::ser::",
    "response JSON (deserialize)": r"ProviderUser.*Deserialize|serde_json::de::",
    "reqwest + hyper (client side)": r"reqwest::async_impl::client::|hyper_util::client::|hyper::proto::h1::dispatch::Client",
    "server (axum, the bench's own)": r"axum::|hyper::server::",
    "task-local call scope": r"tokio::task::task_local",
    "allocator": r"\b(malloc|free|realloc|calloc|cfree)\b|_int_malloc|_int_free",
    "kernel (syscalls, loopback TCP)": r"\[unknown\]|entry_SYSCALL|tcp_|__x64_sys",
}


def main() -> None:
    stacks = []
    for line in open(sys.argv[1]):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        stacks.append((stack, int(count)))
    total = sum(count for _, count in stacks)
    print(f"{sys.argv[2]}: {total / 1e6:.0f} M samples (cpu-clock)")
    for name, pattern in PARTS.items():
        rx = re.compile(pattern)
        share = sum(count for stack, count in stacks if rx.search(stack))
        print(f"  {name:36s} {100.0 * share / total:5.1f} %")


main()
