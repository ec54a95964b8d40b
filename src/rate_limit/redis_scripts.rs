//! The Lua steps the shared budget runs in Redis, each atomic.
//!
//! Every step starts by healing what it finds: a key of the wrong type
//! (written by something else) is deleted, a stored time no process could
//! have written is replaced, and a member entry that cannot be read is
//! dropped. Whatever the stored state, the next step works: nothing a
//! foreign writer, a flushed or restarted Redis, or a failover to a replica
//! with another clock leaves behind can stall the key.

/// The helpers every step shares: the clock, healing and the members.
///
/// Members: `KEYS[3]` is a hash of `member id -> "last_seen_us:share_ppm"`,
/// one entry per process sharing the key, `share_ppm` being the share of
/// the budget that process takes on its own while it cannot reach Redis.
/// A member seen within `live_us` is live; one silent for longer may be
/// pacing itself on that share, so the live ones leave it room until it
/// comes back or `forget_us` has passed.
const PRELUDE: &str = r"
local function heal(key, kind)
  local found = redis.call('TYPE', key)['ok']
  if found ~= 'none' and found ~= kind then redis.call('DEL', key) end
end
local function clock()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end
local function see(members, me, now, share, forget)
  redis.call('HSET', members, me, string.format('%.0f:%d', now, share))
  redis.call('PEXPIRE', members, math.ceil(forget / 1000) + 1000)
end
";

/// Reserves the next slot in the key's order (a GCRA in Redis): the caller
/// is given the moment of its slot, now or later, and every caller is
/// given a later one than callers who asked before it, whatever their
/// distance to Redis. Each process holds at most one reservation at a
/// time, so the processes with callers waiting take turns.
///
/// `KEYS`: 1 the slot time (µs, Redis's clock), 2 the news of the last 429
/// (see [`REPORT_429`]), 3 the members. `ARGV`: 1 interval (µs), 2
/// tolerance (µs, the burst), 3 `1` when adaptive pacing wants the news, 4
/// this member's id, 5 its fallback share (ppm), 6 `live_us`, 7
/// `forget_us`.
///
/// The interval is stretched to leave the silent members their shares
/// (the live ones never go below their own fallback share together). A
/// stored slot time further ahead than every member's one reservation
/// could put it (twice over, and a 429's pause) was not written by this
/// step: it is replaced by now.
///
/// Returns the wait in µs before the reserved slot; the 429 news (age in
/// µs, -1 for none, and the pause it still asks for, µs); the live and
/// silent members, this one included. `ARGV[8]` is the window: the
/// longest pause news of a 429 may ask for; `ARGV[9]` the requests per
/// window (a silent member's own edge request is left to it as well).
pub(super) const RESERVE_SLOT: &str = r"
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local me, share = ARGV[4], tonumber(ARGV[5])
local live, forget = tonumber(ARGV[6]), tonumber(ARGV[7])
local window = tonumber(ARGV[8])
heal(KEYS[1], 'string')
heal(KEYS[2], 'hash')
heal(KEYS[3], 'hash')
local now = clock()
local age = -1
local pause_left = 0
if ARGV[3] == '1' then
  local news = redis.call('HMGET', KEYS[2], 'at', 'until')
  local at = tonumber(news[1])
  if at and at <= now then age = now - at end
  local paused_until = tonumber(news[2])
  if paused_until and paused_until > now then pause_left = paused_until - now end
  if pause_left > window then pause_left = window end
end
local live_count, silent_count, reserved = 1, 0, 0
local entries = redis.call('HGETALL', KEYS[3])
for i = 1, #entries, 2 do
  local id = entries[i]
  if id ~= me then
    local seen, their_share = string.match(entries[i + 1], '^(%d+):(%d+)$')
    seen, their_share = tonumber(seen), tonumber(their_share)
    if not seen or not their_share or their_share > 1000000 then
      redis.call('HDEL', KEYS[3], id)
    else
      if seen > now then seen = now end
      local silent_for = now - seen
      if silent_for > forget then
        redis.call('HDEL', KEYS[3], id)
      elseif silent_for > live then
        silent_count = silent_count + 1
        reserved = reserved + their_share
      else
        live_count = live_count + 1
      end
    end
  end
end
see(KEYS[3], me, now, share, forget)
-- Each silent member paces on its own, with its own edge of one request
-- per window beside ours: that request is left to it too.
local edge = 1000000 / tonumber(ARGV[9])
local left = 1000000 - reserved - silent_count * edge
if left < share then left = share end
interval = interval * 1000000 / left
local members = live_count + silent_count
local horizon = tolerance + pause_left + interval * 2 * (members + 1)
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now or tat > now + horizon then tat = now end
local at = tat - tolerance
if at < now then at = now end
if at < now + pause_left then at = now + pause_left end
local next_tat = tat
if at > next_tat then next_tat = at end
next_tat = next_tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
return {math.floor(at - now), math.floor(age), math.floor(pause_left), live_count, silent_count}
";

/// Keeps this member live while it has no caller waiting: `KEYS[1]` the
/// members; `ARGV`: 1 this member's id, 2 its fallback share (ppm), 3
/// `forget_us`.
pub(super) const HEARTBEAT: &str = r"
heal(KEYS[1], 'hash')
see(KEYS[1], ARGV[1], clock(), tonumber(ARGV[2]), tonumber(ARGV[3]))
return 1
";

/// A 429 met by a process on the key, told to the others: `KEYS[1]` gets
/// `at` (µs, Redis's clock; a 429 within `ARGV[1]` µs of the last one is the
/// same event) and `until`, the end of the pause the `Retry-After` of
/// `ARGV[2]` µs asked for; the news expires after `ARGV[3]` ms.
pub(super) const REPORT_429: &str = r"
heal(KEYS[1], 'hash')
local now = clock()
local at = tonumber(redis.call('HGET', KEYS[1], 'at'))
if not at or at > now or now - at >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'at', string.format('%.0f', now))
end
local pause = tonumber(ARGV[2])
if pause > 0 then
  local paused_until = tonumber(redis.call('HGET', KEYS[1], 'until')) or 0
  if now + pause > paused_until then
    redis.call('HSET', KEYS[1], 'until', string.format('%.0f', now + pause))
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// A step with the shared helpers in front.
pub(super) fn script(body: &str) -> redis::Script {
    redis::Script::new(&format!("{PRELUDE}{body}"))
}
