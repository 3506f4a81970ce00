-- GETs of many pages, each once: BENCH_DATA names a Lua file defining `paths`; thread n of N
-- reads paths n, n+N, n+2N, ... (wrapping around). The Cookie header comes from wrk's -H.
dofile(os.getenv("BENCH_DATA"))
-- `done`, the summary line bench.py reads, is report.lua's (beside this file).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")
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
  local path = paths[((counter * nthreads + tid) % #paths) + 1]
  counter = counter + 1
  return wrk.format("GET", path)
end
