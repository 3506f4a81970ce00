-- POSTs with signed-in members' sessions: BENCH_DATA names a Lua file defining `items`, each
-- {cookie, csrf, path, body}; thread n of N sends items n, n+N, n+2N, ... (wrapping around).
dofile(os.getenv("BENCH_DATA"))
-- `done`, the summary line bench.py reads, is report.lua's (beside this file).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
local hx = os.getenv("BENCH_HX") == "1"
local counter = 0
local thread_count = 0

setup = function(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

init = function(args)
  tid = tid or 0
  nthreads = 2
end

request = function()
  local item = items[((counter * nthreads + tid) % #items) + 1]
  counter = counter + 1
  local headers = {
    ["Cookie"] = item.cookie,
    ["X-CSRFToken"] = item.csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  if hx then headers["HX-Request"] = "true" end
  return wrk.format("POST", item.path, headers, item.body)
end
