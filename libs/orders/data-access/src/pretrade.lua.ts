// Lua scripts of the pre-trade risk state. Every number they compare is an integer below 2^53
// (lots, minor currency units, counts), so Lua's doubles are exact; increments go through
// HINCRBY (int64). Keys are listed in KEYS so the scripts stay cluster-ready per account.

/** Shared prelude: trading state (KEYS[2..5]) and the agent's token bucket (KEYS[6]). */
const PRELUDE = `
local function trading_state()
  if redis.call('EXISTS', KEYS[5]) == 0 then return 'NOSTATE', '' end
  local worst, scope = 'ACTIVE', ''
  local scopes = { 'global', 'account', 'agent' }
  for i = 2, 4 do
    local s = redis.call('GET', KEYS[i])
    if s == 'HALTED' or (s == 'REDUCING' and worst == 'ACTIVE') then worst, scope = s, scopes[i - 1] end
  end
  return worst, scope
end
local function take_token(rate, burst)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local b = redis.call('HMGET', KEYS[6], 'tk', 'ts')
  local tokens, ts = tonumber(b[1]), tonumber(b[2])
  if tokens == nil or ts == nil then tokens, ts = burst, now end
  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
  if tokens < 1 then return math.ceil((1 - tokens) * 1000 / rate) end
  redis.call('HSET', KEYS[6], 'tk', tostring(tokens - 1), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[6], math.ceil(burst * 1000 / rate) + 1000)
  return 0
end
local function num(key, field) return tonumber(redis.call('HGET', key, field) or '0') or 0 end
local function incr(key, field, delta)
  if delta ~= 0 then redis.call('HINCRBY', key, field, string.format('%d', delta)) end
end
`;

/**
 * New order. KEYS: 1 idem, 2 ts:global, 3 ts:account, 4 ts:agent, 5 ts:loaded, 6 bucket,
 * 7 account risk hash, 8 order hash. ARGV: 1 idem value, 2 idem ttl ms, 3 rate, 4 burst,
 * 5 side (B|S), 6 lots, 7 notional, 8 symbol, 9 max open (-1 none), 10 max position lots,
 * 11 max gross minor units, 12 order ttl ms, 13 account, 14 total lots.
 */
export const SUBMIT_LUA = `${PRELUDE}
local existing = redis.call('GET', KEYS[1])
if existing then return { 'DUP', existing } end
local state, scope = trading_state()
if state == 'NOSTATE' then return { 'NOSTATE' } end
if state == 'HALTED' then return { 'HALTED', scope } end
local side, lots, notional, sym = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local risk = KEYS[7]
local pos, ob, os = num(risk, 'pos:' .. sym), num(risk, 'ob:' .. sym), num(risk, 'os:' .. sym)
if state == 'REDUCING' then
  local reduces = (side == 'B' and pos + ob + lots <= 0) or (side == 'S' and pos - os - lots >= 0)
  if not reduces then return { 'REDUCE', scope } end
end
local wait = take_token(tonumber(ARGV[3]), tonumber(ARGV[4]))
if wait > 0 then return { 'RATE', tostring(wait) } end
local max_open, max_pos, max_gross = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local open = num(risk, 'open')
if max_open >= 0 and open + 1 > max_open then return { 'OPEN', tostring(open) } end
local worst = (side == 'B') and (pos + ob + lots) or (pos - os - lots)
if max_pos >= 0 and math.abs(worst) > max_pos then return { 'POS', tostring(math.abs(worst)) } end
local gross = num(risk, 'gross') + num(risk, 'opennot') + notional
if max_gross >= 0 and gross > max_gross then return { 'GROSS', tostring(gross) } end
incr(risk, 'open', 1)
incr(risk, 'opennot', ARGV[7])
incr(risk, (side == 'B') and ('ob:' .. sym) or ('os:' .. sym), ARGV[6])
redis.call('HSET', KEYS[8], 'acct', ARGV[13], 'sym', sym, 'side', side, 'qty', ARGV[14], 'lots', ARGV[6],
  'res', ARGV[7], 'seq', '0', 'st', 'open')
redis.call('PEXPIRE', KEYS[8], ARGV[12])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return { 'OK' }
`;

/**
 * Cancel or replace of an existing order. KEYS as SUBMIT (7 = account risk hash, 8 = the target
 * order hash). ARGV: 1 idem value, 2 idem ttl ms, 3 rate, 4 burst, 5 account, 6 kind
 * (cancel|replace), 7 new total lots (replace; 0 = unchanged), 8 new total notional (replace; -1 = price unchanged), 9 max position
 * lots, 10 max gross, 11 skip order check (1 when the order is known open from PostgreSQL).
 */
export const AMEND_LUA = `${PRELUDE}
local existing = redis.call('GET', KEYS[1])
if existing then return { 'DUP', existing } end
local state, scope = trading_state()
if state == 'NOSTATE' then return { 'NOSTATE' } end
local o, risk, kind = KEYS[8], KEYS[7], ARGV[6]
local known = redis.call('EXISTS', o) == 1
if ARGV[11] ~= '1' then
  if not known or redis.call('HGET', o, 'acct') ~= ARGV[5] then return { 'NOORDER' } end
  if redis.call('HGET', o, 'st') ~= 'open' then return { 'NOTOPEN' } end
end
if kind == 'replace' and known then
  if state == 'HALTED' then return { 'HALTED', scope } end
  local qty, leaves, res = num(o, 'qty'), num(o, 'lots'), num(o, 'res')
  local new_qty, new_notional = tonumber(ARGV[7]), tonumber(ARGV[8])
  if new_qty <= 0 then new_qty = qty end
  local new_leaves = new_qty - (qty - leaves)
  local d_lots = new_leaves - leaves
  if state == 'REDUCING' and d_lots > 0 then return { 'REDUCE', scope } end
  local sym, side = redis.call('HGET', o, 'sym'), redis.call('HGET', o, 'side')
  local max_pos, max_gross = tonumber(ARGV[9]), tonumber(ARGV[10])
  if d_lots > 0 and max_pos >= 0 then
    local pos = num(risk, 'pos:' .. sym)
    local worst = (side == 'B') and (pos + num(risk, 'ob:' .. sym) + d_lots) or (pos - num(risk, 'os:' .. sym) - d_lots)
    if math.abs(worst) > max_pos then return { 'POS', tostring(math.abs(worst)) } end
  end
  if new_leaves > 0 and max_gross >= 0 and new_notional >= 0 then
    local new_res = math.floor(new_notional * new_leaves / new_qty)
    local gross = num(risk, 'gross') + num(risk, 'opennot') + math.max(0, new_res - res)
    if gross > max_gross then return { 'GROSS', tostring(gross) } end
  end
elseif kind == 'replace' and state == 'HALTED' then
  return { 'HALTED', scope }
end
local wait = take_token(tonumber(ARGV[3]), tonumber(ARGV[4]))
if wait > 0 then return { 'RATE', tostring(wait) } end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return { 'OK' }
`;

/**
 * Applies one execution report to the order's reservation and the account's position, once
 * (the order hash remembers the last applied sequence, so replicas and redeliveries are no-ops).
 * KEYS: 1 order hash, 2 account risk hash, 3 last price of the symbol. ARGV: 1 sequence,
 * 2 kind (fill|replaced|other), 3 fill lots, 4 fill notional, 5 fill price ticks,
 * 6 terminal (1|0), 7 new leaves lots (replaced), 8 new reserved notional (replaced),
 * 9 ttl ms of a terminal order hash, 10 new total lots (replaced).
 */
export const APPLY_EVENT_LUA = `
local o, risk = KEYS[1], KEYS[2]
if redis.call('EXISTS', o) == 0 then return 'UNKNOWN' end
local seq = tonumber(ARGV[1])
if seq <= tonumber(redis.call('HGET', o, 'seq') or '0') then return 'DUP' end
redis.call('HSET', o, 'seq', ARGV[1])
if redis.call('HGET', o, 'st') ~= 'open' then return 'CLOSED' end
local function num(key, field) return tonumber(redis.call('HGET', key, field) or '0') or 0 end
local function incr(key, field, delta)
  if delta ~= 0 then redis.call('HINCRBY', key, field, string.format('%d', delta)) end
end
local sym, side = redis.call('HGET', o, 'sym'), redis.call('HGET', o, 'side')
local okey = (side == 'B') and ('ob:' .. sym) or ('os:' .. sym)
local kind = ARGV[2]
if kind == 'fill' then
  local q, fill_notional = tonumber(ARGV[3]), tonumber(ARGV[4])
  local leaves, res = num(o, 'lots'), num(o, 'res')
  local rel = res
  if q < leaves then rel = math.floor(res * q / leaves) end
  local dq = math.min(q, leaves)
  incr(risk, 'opennot', -rel)
  incr(risk, okey, -dq)
  redis.call('HSET', o, 'res', tostring(res - rel), 'lots', tostring(leaves - dq))
  local pkey, vkey = 'pos:' .. sym, 'pv:' .. sym
  local pos, pv = num(risk, pkey), num(risk, vkey)
  local signed = (side == 'B') and q or -q
  local new_pos = pos + signed
  local new_pv
  if new_pos == 0 then new_pv = 0
  elseif pos == 0 or (pos > 0) == (signed > 0) then new_pv = pv + fill_notional
  elseif q <= math.abs(pos) then new_pv = pv - math.floor(pv * q / math.abs(pos))
  else new_pv = math.floor(fill_notional * math.abs(new_pos) / q) end
  incr(risk, pkey, signed)
  redis.call('HSET', risk, vkey, tostring(new_pv))
  incr(risk, 'gross', new_pv - pv)
  redis.call('SET', KEYS[3], ARGV[5])
elseif kind == 'replaced' then
  local leaves, res = num(o, 'lots'), num(o, 'res')
  local new_leaves, new_res = tonumber(ARGV[7]), tonumber(ARGV[8])
  incr(risk, okey, new_leaves - leaves)
  incr(risk, 'opennot', new_res - res)
  redis.call('HSET', o, 'lots', ARGV[7], 'res', ARGV[8], 'qty', ARGV[10])
end
if ARGV[6] == '1' then
  incr(risk, okey, -num(o, 'lots'))
  incr(risk, 'opennot', -num(o, 'res'))
  incr(risk, 'open', -1)
  redis.call('HSET', o, 'st', 'done', 'lots', '0', 'res', '0')
  redis.call('PEXPIRE', o, ARGV[9])
end
return 'OK'
`;
