//! Why Redis does not serve the shared budget, and what the operator does
//! about it: the warning names the real cause, not "unreachable" for all.

/// The cause of a failed Redis step and the fix, from the error's text (the
/// redis crate's kinds do not tell these apart).
pub(super) fn explain(error: &str) -> (&'static str, &'static str) {
    let lower = error.to_ascii_lowercase();
    let has = |needle: &str| lower.contains(needle);
    if has("crossslot") {
        (
            "Redis Cluster refused keys in different hash slots (CROSSSLOT)",
            "use `RateLimit::redis_cluster` with the cluster's node URLs",
        )
    } else if has("wrongpass") || has("noauth") || has("authentication") || has("noperm") {
        (
            "Redis refused the authentication or the ACL user's rights",
            "check the user and password in the Redis URL (redis://user:password@host/0) and the ACL's key and command rights (EVAL, EVALSHA, SCRIPT, PING, HDEL and, inside the script, TIME, TYPE, DEL, GET, SET, HGETALL, HMGET, HGET, HSET, PEXPIRE)",
        )
    } else if has("wrongtype") {
        (
            "the budget's Redis key holds another type of value",
            "delete the key or choose another `RateLimit::redis_namespace`",
        )
    } else if has("readonly") || has("read only replica") {
        (
            "the Redis server is a read-only replica (after a failover, the URL may still lead to the old primary)",
            "point the Redis URL at the current primary (or a name that follows failovers)",
        )
    } else if has("oom") {
        (
            "Redis is out of memory and refuses writes",
            "raise `maxmemory` or free memory on the Redis server",
        )
    } else if has("tls") || has("certificate") || has("handshake") {
        (
            "the TLS connection to Redis failed",
            "check the rediss:// URL's host name and trust its CA with `RateLimit::redis_add_root_certificate_pem`",
        )
    } else if has("no answer in time") || has("timed out") {
        (
            "Redis did not answer within 250 ms (2 s for the first connection)",
            "check the Redis server's load and the network to it",
        )
    } else {
        (
            "Redis is unreachable",
            "check that the Redis URL's host and port are right and the server runs",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn each_cause_is_told_apart() {
        let cases = [
            (
                "CROSSSLOT: Keys in request don't hash to the same slot",
                "CROSSSLOT",
            ),
            (
                "WRONGPASS: invalid username-password pair",
                "authentication",
            ),
            ("NOAUTH: Authentication required.", "authentication"),
            (
                "WRONGTYPE: Operation against a key holding the wrong kind of value",
                "another type",
            ),
            (
                "READONLY: You can't write against a read only replica.",
                "read-only replica",
            ),
            (
                "OOM: command not allowed when used memory > 'maxmemory'",
                "out of memory",
            ),
            ("Connection refused (os error 111)", "unreachable"),
            ("no answer in time", "250 ms"),
        ];
        for (error, cause) in cases {
            assert!(
                explain(error).0.contains(cause),
                "{error}: {:?}",
                explain(error)
            );
        }
    }
}
