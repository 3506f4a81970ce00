-- Mixed traffic for bench/soak: reading, searching, answering, voting, commenting and practising.
-- SOAK_DATA names a Lua file (written by bench/soak.py) defining `reads`, `questions`, `searches`
-- (GET paths), `readers` (Cookie headers of signed-in members), `votes`, `answers`, `comments`
-- (items {cookie, csrf, path, body}: thread n of N walks items n, n+N, ...) and `practice` (items
-- {cookie, csrf, session, path}: a started practice session per member, driven card by card from
-- the responses: GET the session, POST reveal, POST grade, ...). SOAK_MIX: the weights.
-- Prints one line `SOAK {json}`: counts by status, by second and status, and 5xx body samples.
dofile(os.getenv("SOAK_DATA"))

local threads = {}

setup = function(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local kinds = { "read", "question", "search", "vote", "answer", "comment", "practice" }

init = function(args)
  tid = tid or 0
  nthreads = tonumber(os.getenv("SOAK_THREADS") or "2")
  math.randomseed(7919 * (tid + 1))
  weights, total_weight = {}, 0
  for kind, w in string.gmatch(os.getenv("SOAK_MIX") or "", "(%a+)=([%d%.]+)") do
    weights[kind] = tonumber(w)
  end
  for _, kind in ipairs(kinds) do
    total_weight = total_weight + (weights[kind] or 0)
  end
  status = {}        -- "200" -> count
  sent = {}          -- kind -> count
  timeline = {}      -- "<unix second>:<status>" -> count (when each answer arrived)
  samples = {}       -- "<status>" -> the first body seen (5xx only), cut to 3000 characters
  checks = { friendly_503 = 0, retry_after_503 = 0, wrapped = 0, redirect_to_login = 0 }
  cursors = { vote = 0, answer = 0, comment = 0 }
  mine = {}          -- this thread's practice sessions
  for i, item in ipairs(practice) do
    if (i - 1) % nthreads == tid then table.insert(mine, item) end
  end
  by_session = {}
  for _, item in ipairs(mine) do by_session[item.session] = item end
  state = {}         -- session pk -> {next = {kind, path, body} or nil, busy = unix second or nil}
  ready = {}         -- session pks whose next step is known, oldest first
end

local function count(tbl, key)
  tbl[key] = (tbl[key] or 0) + 1
end

local function pick_kind()
  local r = math.random() * total_weight
  for _, kind in ipairs(kinds) do
    r = r - (weights[kind] or 0)
    if r <= 0 then return kind end
  end
  return "read"
end

local function form_headers(item, hx)
  local headers = {
    ["Cookie"] = item.cookie,
    ["X-CSRFToken"] = item.csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  if hx then headers["HX-Request"] = "true" end
  return headers
end

local function next_post(kind)
  local items = _G[kind .. "s"]
  local n = cursors[kind]
  cursors[kind] = n + 1
  local index = n * nthreads + tid
  if index >= #items then checks.wrapped = checks.wrapped + 1 end
  return items[(index % #items) + 1]
end

local function get(path, cookie)
  local headers = {}
  if cookie then headers["Cookie"] = cookie end
  return wrk.format("GET", path, headers)
end

local function practice_request()
  -- The next step of a session whose last card came back (a member going on card by card),
  -- else a session nobody is waiting on: its page.
  local now = os.time()
  while #ready > 0 do
    local item = by_session[table.remove(ready, 1)]
    local s = state[item.session]
    if s.next then
      local step = s.next
      s.next = nil
      s.busy = now
      count(sent, "practice_" .. step.kind)
      return wrk.format("POST", step.path, form_headers(item, true), step.body)
    end
  end
  for _ = 1, 8 do
    local item = mine[math.random(#mine)]
    local s = state[item.session] or {}
    state[item.session] = s
    if not s.busy or now - s.busy > 10 then
      s.busy = now
      if s.next then
        local step = s.next
        s.next = nil
        count(sent, "practice_" .. step.kind)
        return wrk.format("POST", step.path, form_headers(item, true), step.body)
      end
      count(sent, "practice_card")
      return get(item.path, item.cookie)
    end
  end
  local item = mine[math.random(#mine)]
  count(sent, "practice_home")
  return get("/practice/", item.cookie)
end

request = function()
  local kind = pick_kind()
  if kind == "practice" and #mine > 0 then return practice_request() end
  if kind == "vote" or kind == "answer" or kind == "comment" then
    local item = next_post(kind)
    count(sent, kind)
    return wrk.format("POST", item.path, form_headers(item, kind ~= "answer"), item.body)
  end
  count(sent, kind)
  local cookie = nil
  if #readers > 0 and math.random() < 0.3 then cookie = readers[math.random(#readers)] end
  if kind == "question" then return get(questions[math.random(#questions)], cookie) end
  if kind == "search" then return get(searches[math.random(#searches)], cookie) end
  return get(reads[math.random(#reads)], cookie)
end

local function practice_response(body)
  local session, card, action = string.match(body, "/practice/sessions/(%d+)/cards/(%d+)/(%a+)/")
  if not session then return end
  session = tonumber(session)
  local item = by_session[session]
  if not item then return end
  local s = state[session] or {}
  state[session] = s
  s.busy = nil
  local path = "/practice/sessions/" .. session .. "/cards/" .. card .. "/" .. action .. "/"
  if action == "reveal" then
    local body = "thought=on"
    if math.random() < 0.5 then body = "attempt=Minimise+the+loss+with+gradient+steps." end
    s.next = { kind = "reveal", path = path, body = body }
  elseif action == "grade" then
    local r = math.random()
    local rating = 3
    if r < 0.15 then rating = 1 elseif r < 0.35 then rating = 2 elseif r > 0.85 then rating = 4 end
    s.next = { kind = "grade", path = path, body = "rating=" .. rating }
  end
  if s.next then table.insert(ready, session) end
end

response = function(code, headers, body)
  local key = tostring(code)
  count(status, key)
  local cached = headers["X-Page-Cache"]
  if cached then count(checks, "page_cache_" .. cached) end
  -- A page-cache hit needs no database: "200c" in the timeline, so recovery is read from "200".
  if cached == "hit" then
    count(timeline, os.time() .. ":" .. key .. "c")
  else
    count(timeline, os.time() .. ":" .. key)
  end
  if code == 302 and headers["Location"] and string.find(headers["Location"], "/accounts/login/", 1, true) then
    checks.redirect_to_login = checks.redirect_to_login + 1
  end
  if code >= 500 then
    if not samples[key] then samples[key] = string.sub(body or "", 1, 3000) end
    if code == 503 then
      if body and string.find(body, "back in a moment", 1, true) then
        checks.friendly_503 = checks.friendly_503 + 1
      end
      if headers["Retry-After"] then checks.retry_after_503 = checks.retry_after_503 + 1 end
    end
  elseif code == 200 and body then
    practice_response(body)
  end
end

local function encode(value)
  local t = type(value)
  if t == "number" then return string.format("%.17g", value) end
  if t == "boolean" then return tostring(value) end
  if t == "string" then
    return '"' .. string.gsub(value, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
    end) .. '"'
  end
  local parts = {}
  for k, v in pairs(value) do
    table.insert(parts, encode(tostring(k)) .. ": " .. encode(v))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

local function merge(into, from)
  for k, v in pairs(from or {}) do
    if type(v) == "number" then into[k] = (into[k] or 0) + v
    elseif into[k] == nil then into[k] = v end
  end
end

done = function(summary, latency, requests)
  local result = { status = {}, sent = {}, timeline = {}, samples = {}, checks = {} }
  for _, thread in ipairs(threads) do
    for _, name in ipairs({ "status", "sent", "timeline", "samples", "checks" }) do
      merge(result[name], thread:get(name))
    end
  end
  local e = summary.errors
  result.requests = summary.requests
  result.duration_us = summary.duration
  result.bytes = summary.bytes
  result.socket_errors = { connect = e.connect, read = e.read, write = e.write, timeout = e.timeout }
  result.latency_ms = {
    p50 = latency:percentile(50) / 1000, p90 = latency:percentile(90) / 1000,
    p99 = latency:percentile(99) / 1000, max = latency.max / 1000,
  }
  io.write("SOAK " .. encode(result) .. "\n")
end
